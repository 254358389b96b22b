#include "engine/model/gguf.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/core/parallel.h"
#include "engine/model/mapped_file.h"

namespace bcjr::model {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kMaxDims = 4;
constexpr int kMaxArrayDepth = 8;  // arrays of arrays nested deeper than this are refused

// A bounds-checked cursor over the mapped file: every read names what it was reading.
class Cursor {
 public:
  Cursor(const MappedFile& f) : f_(f) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return f_.size() - pos_; }

  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, f_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string string(const std::string& what) {
    const uint64_t n = read<uint64_t>(what.c_str());
    need(n, what);
    std::string s(reinterpret_cast<const char*>(f_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  void need(uint64_t n, const std::string& what) const {
    if (n > left())
      fail(f_.path(), ": corrupted or incomplete GGUF file: ", what, " needs ", n, " bytes at offset ", pos_,
           " but only ", left(), " remain");
  }
  // Refuses a count that could not possibly fit in what is left (each item >= min_bytes).
  void check_count(uint64_t count, uint64_t min_bytes, const std::string& what) const {
    if (min_bytes > 0 && count > left() / min_bytes)
      fail(f_.path(), ": corrupted GGUF file: ", what, " count ", count, " cannot fit in the remaining ", left(),
           " bytes");
  }

 private:
  const MappedFile& f_;
  uint64_t pos_ = 0;
};

uint64_t min_value_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::UINT8:
    case GgufValueType::INT8:
    case GgufValueType::BOOL:
      return 1;
    case GgufValueType::UINT16:
    case GgufValueType::INT16:
      return 2;
    case GgufValueType::UINT32:
    case GgufValueType::INT32:
    case GgufValueType::FLOAT32:
      return 4;
    case GgufValueType::UINT64:
    case GgufValueType::INT64:
    case GgufValueType::FLOAT64:
      return 8;
    case GgufValueType::STRING:
      return 8;
    case GgufValueType::ARRAY:
      return 12;
  }
  return 0;
}

bool valid_value_type(uint32_t t) {
  return t <= static_cast<uint32_t>(GgufValueType::FLOAT64);
}

// Reads one scalar of type t into v (v.type already set).
void read_scalar(Cursor& c, GgufValueType t, GgufValue& v, const std::string& what) {
  const char* w = what.c_str();
  switch (t) {
    case GgufValueType::UINT8:
      v.u = c.read<uint8_t>(w);
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufValueType::INT8:
      v.i = c.read<int8_t>(w);
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufValueType::UINT16:
      v.u = c.read<uint16_t>(w);
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufValueType::INT16:
      v.i = c.read<int16_t>(w);
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufValueType::UINT32:
      v.u = c.read<uint32_t>(w);
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufValueType::INT32:
      v.i = c.read<int32_t>(w);
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufValueType::UINT64:
      v.u = c.read<uint64_t>(w);
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufValueType::INT64:
      v.i = c.read<int64_t>(w);
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufValueType::BOOL:
      v.u = c.read<uint8_t>(w) != 0;
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufValueType::FLOAT32:
      v.f = c.read<float>(w);
      break;
    case GgufValueType::FLOAT64:
      v.f = c.read<double>(w);
      break;
    case GgufValueType::STRING:
      v.s = c.string(what);
      break;
    case GgufValueType::ARRAY:
      break;  // handled by read_value
  }
}

GgufValue read_value(Cursor& c, GgufValueType t, const std::string& what, const std::string& path, int depth) {
  GgufValue v;
  v.type = t;
  if (t != GgufValueType::ARRAY) {
    read_scalar(c, t, v, what);
    return v;
  }
  BCJR_CHECK(depth < kMaxArrayDepth, path, ": GGUF metadata ", what, ": arrays nested too deeply");
  const uint32_t et = c.read<uint32_t>((what + " array element type").c_str());
  BCJR_CHECK(valid_value_type(et), path, ": GGUF metadata ", what, ": unknown array element type ", et);
  v.element_type = static_cast<GgufValueType>(et);
  const uint64_t n = c.read<uint64_t>((what + " array length").c_str());
  c.check_count(n, min_value_size(v.element_type), what + " array");
  v.array_size = n;
  for (uint64_t k = 0; k < n; ++k) {
    if (v.element_type == GgufValueType::ARRAY) {
      v.items.push_back(read_value(c, v.element_type, what, path, depth + 1));
      continue;
    }
    GgufValue e;
    e.type = v.element_type;
    read_scalar(c, v.element_type, e, what);
    if (e.type == GgufValueType::STRING)
      v.strings.push_back(std::move(e.s));
    else if (e.is_float())
      v.reals.push_back(e.f);
    else
      v.ints.push_back(e.i);
  }
  return v;
}

}  // namespace

const char* gguf_value_type_name(GgufValueType t) {
  static const char* names[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
                                "bool",  "string", "array",  "uint64", "int64",  "float64"};
  const auto i = static_cast<uint32_t>(t);
  return i < 13 ? names[i] : "unknown";
}

bool GgufValue::is_integer() const {
  return type != GgufValueType::FLOAT32 && type != GgufValueType::FLOAT64 && type != GgufValueType::STRING &&
         type != GgufValueType::ARRAY;
}
bool GgufValue::is_float() const {
  return type == GgufValueType::FLOAT32 || type == GgufValueType::FLOAT64;
}

std::vector<int64_t> GgufTensorInfo::shape() const {
  return std::vector<int64_t>(ne.rbegin(), ne.rend());
}

int64_t GgufTensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

GgufFile::GgufFile(const std::string& path) : file_(MappedFile::open(path)) {
  Cursor c(*file_);
  const uint32_t magic = c.read<uint32_t>("magic");
  BCJR_CHECK(magic == kMagic, path, ": not a GGUF file (bad magic)");
  version_ = c.read<uint32_t>("version");
  BCJR_CHECK(version_ == 2 || version_ == 3, path, ": unsupported GGUF version ", version_,
             " (supported: 2 and 3; a huge number means a big-endian file)");
  const uint64_t n_tensors = c.read<uint64_t>("tensor_count");
  const uint64_t n_kv = c.read<uint64_t>("kv_count");
  c.check_count(n_kv, 8 + 4 + 1, "metadata");
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = c.string("metadata key " + std::to_string(k));
    const uint32_t t = c.read<uint32_t>(("type of metadata '" + printable(key) + "'").c_str());
    BCJR_CHECK(valid_value_type(t), path, ": GGUF metadata '", printable(key), "' has unknown value type ", t);
    GgufValue v = read_value(c, static_cast<GgufValueType>(t), "metadata '" + printable(key) + "'", path, 0);
    BCJR_CHECK(metadata_index_.emplace(key, metadata_.size()).second, path, ": duplicate GGUF metadata key '", printable(key),
               "'");
    metadata_.emplace_back(std::move(key), std::move(v));
  }

  if (const GgufValue* a = find("general.alignment")) {
    BCJR_CHECK(a->is_integer() && a->i > 0 && (a->i & (a->i - 1)) == 0, path,
               ": general.alignment must be a positive power of two");
    alignment_ = static_cast<uint64_t>(a->i);
  }

  c.check_count(n_tensors, 8 + 4 + 8 + 4 + 8, "tensor info");
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensorInfo t;
    t.name = c.string("name of tensor " + std::to_string(k));
    const std::string ctx = path + ": tensor '" + printable(t.name) + "'";
    const uint32_t n_dims = c.read<uint32_t>("tensor n_dims");
    BCJR_CHECK(n_dims >= 1 && n_dims <= kMaxDims, ctx, ": n_dims ", n_dims, " outside 1..", kMaxDims);
    uint64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t e = c.read<uint64_t>("tensor dimension");
      BCJR_CHECK(e < (uint64_t(1) << 40), ctx, ": dimension ", e, " is not plausible");
      BCJR_CHECK(e == 0 || numel <= (uint64_t(1) << 48) / e, ctx, ": too many elements");
      numel *= e;
      t.ne.push_back(static_cast<int64_t>(e));
    }
    const uint32_t type = c.read<uint32_t>("tensor type");
    const GgmlTypeTraits tr = ggml_type_traits(type);
    BCJR_CHECK(tr.name != nullptr, ctx, ": unknown or unsupported ggml type ", type);
    t.type = static_cast<GgmlType>(type);
    BCJR_CHECK(t.ne[0] % tr.block_size == 0, ctx, ": first dimension ", t.ne[0], " is not a multiple of the ", tr.name,
               " block size ", tr.block_size);
    t.nbytes = numel / tr.block_size * tr.type_size;
    t.offset = c.read<uint64_t>("tensor offset");
    BCJR_CHECK(t.offset % alignment_ == 0, ctx, ": data offset ", t.offset, " is not a multiple of the alignment ",
               alignment_);
    BCJR_CHECK(tensor_index_.emplace(t.name, tensors_.size()).second, path, ": duplicate GGUF tensor '", printable(t.name), "'");
    tensors_.push_back(std::move(t));
  }

  data_offset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  BCJR_CHECK(data_offset_ <= file_->size() || tensors_.empty(), path,
             ": corrupted or incomplete GGUF file: the data section would start at ", data_offset_,
             " beyond the end of the file (", file_->size(), " bytes)");
  for (const GgufTensorInfo& t : tensors_) {
    BCJR_CHECK(t.offset <= std::numeric_limits<uint64_t>::max() - data_offset_, path, ": tensor '", printable(t.name),
               "': offset overflows");
    file_->check_range(data_offset_ + t.offset, t.nbytes, "data of tensor '" + printable(t.name) + "'");
  }
  std::vector<const GgufTensorInfo*> by_offset;
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo& a = *by_offset[i - 1];
    const GgufTensorInfo& b = *by_offset[i];
    if (a.nbytes > 0 && b.nbytes > 0 && b.offset < a.offset + a.nbytes)
      fail(path, ": corrupted GGUF file: data of tensors '", printable(a.name), "' and '", printable(b.name), "' overlap");
  }
}

const std::string& GgufFile::path() const {
  return file_->path();
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

namespace {
const GgufValue& require(const GgufFile& f, const std::string& key) {
  const GgufValue* v = f.find(key);
  if (!v) fail(f.path(), ": GGUF metadata '", key, "' is missing");
  return *v;
}
[[noreturn]] void wrong_type(const GgufFile& f, const std::string& key, const GgufValue& v, const char* want) {
  fail(f.path(), ": GGUF metadata '", key, "' is ", gguf_value_type_name(v.type), ", expected ", want);
}
}  // namespace

int64_t GgufFile::get_int(const std::string& key) const {
  const GgufValue& v = require(*this, key);
  if (!v.is_integer() || v.type == GgufValueType::BOOL) wrong_type(*this, key, v, "an integer");
  BCJR_CHECK(v.type != GgufValueType::UINT64 || v.u <= uint64_t(std::numeric_limits<int64_t>::max()), path(),
             ": GGUF metadata '", key, "' is too large");
  return v.i;
}

double GgufFile::get_float(const std::string& key) const {
  const GgufValue& v = require(*this, key);
  if (v.is_float()) return v.f;
  if (v.is_integer() && v.type != GgufValueType::BOOL) return static_cast<double>(v.i);
  wrong_type(*this, key, v, "a number");
}

const std::string& GgufFile::get_string(const std::string& key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufValueType::STRING) wrong_type(*this, key, v, "a string");
  return v.s;
}

bool GgufFile::get_bool(const std::string& key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufValueType::BOOL) wrong_type(*this, key, v, "a bool");
  return v.i != 0;
}

const GgufValue& GgufFile::get_array(const std::string& key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufValueType::ARRAY) wrong_type(*this, key, v, "an array");
  return v;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensorInfo& GgufFile::tensor_info(const std::string& name) const {
  const GgufTensorInfo* t = find_tensor(name);
  if (!t) fail(path(), ": no GGUF tensor named '", name, "'");
  return *t;
}

const uint8_t* GgufFile::tensor_data(const GgufTensorInfo& t) const {
  return file_->data() + data_offset_ + t.offset;
}

torch::Tensor GgufFile::dequantize(const GgufTensorInfo& t) const {
  const GgmlTypeTraits tr = ggml_type_traits(static_cast<uint32_t>(t.type));
  BCJR_CHECK(tr.dequantizable, path(), ": tensor '", t.name, "' is of type ", tr.name,
             ", which this loader cannot dequantise");
  torch::Tensor out = torch::empty(t.shape(), torch::kFloat32);
  const int64_t row = t.ne[0];
  if (row == 0 || out.numel() == 0) return out;
  const int64_t rows = out.numel() / row;
  const int64_t row_bytes = row / tr.block_size * tr.type_size;
  const uint8_t* src = tensor_data(t);
  float* dst = out.data_ptr<float>();
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / row);
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    dequantize_row(t.type, src + begin * row_bytes, dst + begin * row, (end - begin) * row);
  });
  return out;
}

}  // namespace bcjr::model
