// Writing the paper's per-layer snapshot (read by engine/model/layer_snapshot.h): a .pt file holding the dict {attn_q_proj, attn_k_proj,
// attn_v_proj, attn_o_proj, mlp_gate_proj, mlp_up_proj, mlp_down_proj} of dequantised fp32
// [out, in] tensors, readable by Python's torch.load(path, weights_only=True) and torch::pickle_load.
//
// File layout (PyTorch's zip serialisation, as Python's torch.save writes it; records stored
// uncompressed by LibTorch's PyTorchStreamWriter, data records 64-byte aligned):
//   archive/data.pkl   pickle protocol 2: a plain dict {key: tensor}; each tensor is
//                      torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())
//                      with storage = persistent id ("storage", torch.FloatStorage, "<i>", "cpu", numel)
//   archive/data/<i>   the i-th tensor's fp32 values, little-endian, row-major
//   archive/version    the format version (written by the stream writer)
// torch::pickle_save is not used for writing: it tags typed dicts with
// torch.jit._pickle.restore_type_tag, which weights_only loading refuses.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>

namespace bcjr::quant {

// weights: linear name ("q_proj", ...) -> [out, in]; all seven must be present. Atomic write.
void write_layer_snapshot_pt(const std::string& path, const std::map<std::string, torch::Tensor>& weights);

}  // namespace bcjr::quant
