// The weights of one decoder layer's seven linears, read from a snapshot file and installed into
// a LlamaModel (e.g. `bcjr eval --layer-weights S --layer I` to measure a quantised layer).
//
// Format `.pt` (the paper's, docs/ALGORITHM.md 9): Python's torch.save of a dict
//   { attn_q_proj, attn_k_proj, attn_v_proj, attn_o_proj, mlp_gate_proj, mlp_up_proj, mlp_down_proj }
// of dequantised [out, in] tensors (fp32; other float dtypes are converted). It is torch.save's
// zip archive (archive/data.pkl, a pickle whose tensors point at archive/data/<key> storages),
// read here with torch::pickle_load. All seven keys are required; any other key is an error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "engine/model/llama.h"

namespace bcjr::model {

struct LayerSnapshot {
  std::string source;                            // the file, for error messages
  std::map<std::string, torch::Tensor> weights;  // linear name (q_proj ...) -> [out, in] fp32
};

// (snapshot key, linear name) pairs: attn_q_proj -> q_proj, ..., mlp_down_proj -> down_proj.
const std::vector<std::pair<std::string, std::string>>& layer_snapshot_keys();

// Reads a snapshot, choosing the format by the file name. Formats other than `.pt` (the packed
// safetensors snapshots of docs/ALGORITHM.md 9) are added here, as one more reader per suffix.
LayerSnapshot read_layer_snapshot(const std::string& path);
LayerSnapshot read_layer_snapshot_pt(const std::string& path);

// Checks every shape against layer `layer` of the model (naming the file and the tensor on a
// mismatch) before changing anything, then copies the seven weights in.
void install_layer_snapshot(LlamaModel& model, int64_t layer, const LayerSnapshot& snapshot);

}  // namespace bcjr::model
