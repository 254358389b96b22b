#include "engine/quant/layer_snapshot_pt.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstring>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace bcjr::quant {
namespace {

const std::pair<const char*, const char*> kKeys[] = {
    {"q_proj", "attn_q_proj"},     {"k_proj", "attn_k_proj"},   {"v_proj", "attn_v_proj"},
    {"o_proj", "attn_o_proj"},     {"gate_proj", "mlp_gate_proj"}, {"up_proj", "mlp_up_proj"},
    {"down_proj", "mlp_down_proj"},
};

// The few pickle opcodes a dict of tensors needs (protocol 2).
class PickleWriter {
 public:
  void op(char c) { out_.push_back(c); }
  void proto2() {
    op('\x80');
    op('\x02');
  }
  void global(const std::string& module, const std::string& name) {
    op('c');
    out_ += module + "\n" + name + "\n";
  }
  void unicode(const std::string& s) {
    op('X');
    append_u32(uint32_t(s.size()));
    out_ += s;
  }
  void integer(int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      append_u32(uint32_t(int32_t(v)));
    } else {  // LONG1: little-endian two's complement, 8 bytes
      op('\x8a');
      out_.push_back(char(8));
      for (int i = 0; i < 8; ++i) out_.push_back(char((uint64_t(v) >> (8 * i)) & 0xFF));
    }
  }
  void int_tuple(const std::vector<int64_t>& v) {
    op('(');
    for (int64_t x : v) integer(x);
    op('t');
  }
  const std::string& bytes() const { return out_; }

 private:
  void append_u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(char((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

}  // namespace

std::string snapshot_key(const std::string& linear) {
  for (const auto& k : kKeys)
    if (linear == k.first) return k.second;
  fail("snapshot: '", linear, "' is not one of the seven linears of a Llama layer");
}

std::string linear_from_snapshot_key(const std::string& key) {
  for (const auto& k : kKeys)
    if (key == k.second) return k.first;
  fail("snapshot: unknown key '", key, "'");
}

void write_layer_snapshot_pt(const std::string& path, const std::map<std::string, torch::Tensor>& weights) {
  BCJR_CHECK(weights.size() == 7, "snapshot ", path, ": expected the 7 linears of one layer, got ", weights.size());
  std::vector<torch::Tensor> storages;
  PickleWriter p;
  p.proto2();
  p.op('}');  // EMPTY_DICT
  p.op('(');  // MARK
  for (const auto& k : kKeys) {
    auto it = weights.find(k.first);
    BCJR_CHECK(it != weights.end(), "snapshot ", path, ": no weight for ", k.first);
    BCJR_CHECK(it->second.dim() == 2, "snapshot ", path, ": ", k.first, " has shape ", it->second.sizes());
    auto t = it->second.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const std::string key = std::to_string(storages.size());
    storages.push_back(t);
    p.unicode(k.second);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.op('(');
    p.op('(');
    p.unicode("storage");
    p.global("torch", "FloatStorage");
    p.unicode(key);
    p.unicode("cpu");
    p.integer(t.numel());
    p.op('t');
    p.op('Q');  // BINPERSID
    p.integer(0);
    p.int_tuple(t.sizes().vec());
    p.int_tuple(t.strides().vec());
    p.op('\x89');  // NEWFALSE: requires_grad
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');
    p.op('t');
    p.op('R');
  }
  p.op('u');  // SETITEMS
  p.op('.');  // STOP
  std::string bytes;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    writer.writeRecord("data.pkl", p.bytes().data(), p.bytes().size());
    for (size_t i = 0; i < storages.size(); ++i)
      writer.writeRecord("data/" + std::to_string(i), storages[i].data_ptr(), storages[i].numel() * sizeof(float));
    writer.writeEndOfFile();
  }
  write_file_atomic(path, bytes);
}

std::map<std::string, torch::Tensor> read_layer_snapshot_pt(const std::string& path) {
  std::string text = read_file(path);
  c10::IValue value;
  try {
    value = torch::pickle_load(std::vector<char>(text.begin(), text.end()));
  } catch (const c10::Error& e) {
    fail("snapshot ", path, ": not a PyTorch pickle file (", e.what_without_backtrace(), ")");
  }
  BCJR_CHECK(value.isGenericDict(), "snapshot ", path, ": the top-level object is not a dict");
  std::map<std::string, torch::Tensor> out;
  for (const auto& entry : value.toGenericDict()) {
    BCJR_CHECK(entry.key().isString(), "snapshot ", path, ": a key is not a string");
    const std::string key = entry.key().toStringRef();
    BCJR_CHECK(entry.value().isTensor(), "snapshot ", path, ": value of '", key, "' is not a tensor");
    auto t = entry.value().toTensor();
    BCJR_CHECK(t.dim() == 2, "snapshot ", path, ": '", key, "' has shape ", t.sizes(), ", expected [out, in]");
    out[linear_from_snapshot_key(key)] = t.to(torch::kFloat32);
  }
  for (const auto& k : kKeys) BCJR_CHECK(out.count(k.first), "snapshot ", path, ": missing key '", k.second, "'");
  return out;
}

}  // namespace bcjr::quant
