#include "engine/model/safetensors.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/model/mapped_file.h"

namespace bcjr::model {
namespace {

using json = nlohmann::json;

struct DtypeEntry {
  const char* name;
  c10::ScalarType type;
};

// U16 is read as int16 with the same bits: LibTorch 1.13 has no uint16 tensors.
const DtypeEntry kDtypes[] = {
    {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16}, {"F64", torch::kFloat64},
    {"BOOL", torch::kBool},   {"U8", torch::kUInt8},    {"I8", torch::kInt8},       {"I16", torch::kInt16},
    {"U16", torch::kInt16},   {"I32", torch::kInt32},   {"I64", torch::kInt64},
};

uint64_t checked_mul(uint64_t a, uint64_t b, const std::string& path, const std::string& what) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) fail(path, ": tensor '", what, "': shape too large");
  return a * b;
}

}  // namespace

c10::ScalarType safetensors_dtype_to_torch(const std::string& dtype, const std::string& context) {
  for (const auto& d : kDtypes)
    if (dtype == d.name) return d.type;
  fail(context, ": unsupported safetensors dtype '", printable(dtype),
       "' (supported: F32, F16, BF16, F64, BOOL, U8, I8, I16, U16, I32, I64)");
}

std::string torch_dtype_to_safetensors(c10::ScalarType type, const std::string& context) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d.name;  // int16 is written as I16 (the first match)
  fail(context, ": tensors of dtype ", c10::toString(type), " cannot be written to safetensors");
}

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(MappedFile::open(path)) {
  const uint64_t size = file_->size();
  BCJR_CHECK(size >= 8, path, ": not a safetensors file: ", size, " bytes, shorter than the 8-byte header length");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file_->data(), 8);
  BCJR_CHECK(header_len <= size - 8, path, ": corrupted or incomplete safetensors file: header length ", header_len,
             " exceeds the ", size - 8, " bytes after the length field");
  data_start_ = 8 + header_len;
  const uint64_t data_size = size - data_start_;

  json header;
  try {
    header = json::parse(reinterpret_cast<const char*>(file_->data()) + 8,
                         reinterpret_cast<const char*>(file_->data()) + data_start_);
  } catch (const json::exception& e) {
    fail(path, ": corrupted safetensors header (invalid JSON): ", e.what());
  }
  BCJR_CHECK(header.is_object(), path, ": corrupted safetensors header: not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      BCJR_CHECK(v.is_object(), path, ": __metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        BCJR_CHECK(m.value().is_string(), path, ": __metadata__ value of '", printable(m.key()), "' is not a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string ctx = path + ": tensor '" + printable(name) + "'";
    BCJR_CHECK(v.is_object(), ctx, ": entry is not an object");
    BCJR_CHECK(v.contains("dtype") && v["dtype"].is_string(), ctx, ": missing or non-string dtype");
    BCJR_CHECK(v.contains("shape") && v["shape"].is_array(), ctx, ": missing or non-array shape");
    BCJR_CHECK(v.contains("data_offsets") && v["data_offsets"].is_array() && v["data_offsets"].size() == 2, ctx,
               ": data_offsets must be an array [begin, end]");
    SafetensorsTensorInfo info;
    info.name = name;
    info.dtype = v["dtype"].get<std::string>();
    const c10::ScalarType st = safetensors_dtype_to_torch(info.dtype, ctx);
    uint64_t numel = 1;
    for (const json& d : v["shape"]) {
      BCJR_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), ctx,
                 ": shape entries must be non-negative integers");
      const uint64_t dim = d.get<uint64_t>();
      BCJR_CHECK(dim <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), ctx, ": dimension too large");
      info.shape.push_back(static_cast<int64_t>(dim));
      numel = checked_mul(numel, dim, path, name);
    }
    for (const json& o : v["data_offsets"])
      BCJR_CHECK(o.is_number_unsigned() || (o.is_number_integer() && o.get<int64_t>() >= 0), ctx,
                 ": data_offsets must be non-negative integers");
    info.begin = v["data_offsets"][0].get<uint64_t>();
    info.end = v["data_offsets"][1].get<uint64_t>();
    BCJR_CHECK(info.begin <= info.end, ctx, ": data_offsets [", info.begin, ", ", info.end, ") end before begin");
    BCJR_CHECK(info.end <= data_size, path, ": corrupted or incomplete file: tensor '", printable(name), "' data_offsets [",
               info.begin, ", ", info.end, ") lie outside the data section of ", data_size, " bytes");
    const uint64_t nbytes = checked_mul(numel, c10::elementSize(st), path, name);
    BCJR_CHECK(nbytes == info.end - info.begin, ctx, ": data_offsets span ", info.end - info.begin,
               " bytes but shape and dtype ", info.dtype, " need ", nbytes);
    tensors_.push_back(std::move(info));
  }

  std::stable_sort(tensors_.begin(), tensors_.end(),
                   [](const SafetensorsTensorInfo& a, const SafetensorsTensorInfo& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < tensors_.size(); ++i) {
    const auto& prev = tensors_[i - 1];
    const auto& cur = tensors_[i];
    if (cur.begin < prev.end && cur.begin != cur.end && prev.begin != prev.end)
      fail(path, ": corrupted safetensors header: tensors '", printable(prev.name), "' [", prev.begin, ", ", prev.end, ") and '",
           printable(cur.name), "' [", cur.begin, ", ", cur.end, ") overlap");
  }
  for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

const std::string& SafetensorsFile::path() const {
  return file_->path();
}

bool SafetensorsFile::has(const std::string& name) const {
  return index_.count(name) != 0;
}

const SafetensorsTensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) fail(path(), ": no tensor named '", printable(name), "'");
  return tensors_[it->second];
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsTensorInfo& i = info(name);
  const c10::ScalarType st = safetensors_dtype_to_torch(i.dtype, path());
  uint8_t* p = file_->data() + data_start_ + i.begin;
  const auto options = torch::TensorOptions().dtype(st).device(torch::kCPU);
  if (reinterpret_cast<uintptr_t>(p) % c10::elementSize(st) != 0) {
    torch::Tensor t = torch::empty(i.shape, options);
    if (i.end > i.begin) std::memcpy(t.data_ptr(), p, i.end - i.begin);
    return t;
  }
  std::shared_ptr<MappedFile> keep = file_;
  return torch::from_blob(
      p, i.shape, [keep](void*) mutable { keep.reset(); }, options);
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  struct Item {
    std::string name;
    torch::Tensor t;
    std::string dtype;
  };
  std::vector<Item> items;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    BCJR_CHECK(!name.empty() && name != "__metadata__", path, ": invalid tensor name '", name, "'");
    BCJR_CHECK(names.insert(name).second, path, ": tensor '", name, "' given twice");
    BCJR_CHECK(t.defined(), path, ": tensor '", name, "' is undefined");
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    items.push_back({name, c, torch_dtype_to_safetensors(c.scalar_type(), path + ": tensor '" + name + "'")});
  }
  // The format has no gaps between tensors, so alignment comes from placing wider elements first.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.t.element_size() > b.t.element_size(); });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  uint64_t offset = 0;
  for (const Item& it : items) {
    const uint64_t n = it.t.nbytes();
    header[it.name] = {{"dtype", it.dtype}, {"shape", it.t.sizes().vec()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data section starts 8-byte aligned
  write_file_atomic(path, [&](std::ostream& os) {
    const uint64_t len = text.size();
    os.write(reinterpret_cast<const char*>(&len), 8);
    os.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const Item& it : items)
      os.write(static_cast<const char*>(it.t.data_ptr()), static_cast<std::streamsize>(it.t.nbytes()));
  });
}

}  // namespace bcjr::model
