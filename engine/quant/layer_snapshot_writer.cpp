#include "engine/quant/layer_snapshot_writer.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstring>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"

namespace bcjr::quant {
namespace {

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

void write_layer_snapshot_pt(const std::string& path, const std::map<std::string, torch::Tensor>& weights) {
  BCJR_CHECK(weights.size() == 7, "snapshot ", path, ": expected the 7 linears of one layer, got ", weights.size());
  std::vector<torch::Tensor> storages;
  PickleWriter p;
  p.proto2();
  p.op('}');  // EMPTY_DICT
  p.op('(');  // MARK
  for (const auto& k : model::layer_snapshot_keys()) {
    auto it = weights.find(k.second);
    BCJR_CHECK(it != weights.end(), "snapshot ", path, ": no weight for ", k.second);
    BCJR_CHECK(it->second.dim() == 2, "snapshot ", path, ": ", k.second, " has shape ", it->second.sizes());
    auto t = it->second.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const std::string key = std::to_string(storages.size());
    storages.push_back(t);
    p.unicode(k.first);
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

}  // namespace bcjr::quant
