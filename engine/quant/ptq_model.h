// PTQ of chosen decoder layers of a model: proxy Hessians of the target linears' inputs from
// seeded calibration windows (one forward through the layers up to the last target), then
// ptq_linear for each of the seven linears of each target layer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/model/llama.h"
#include "engine/quant/ptq.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

using LinearKey = std::pair<int64_t, std::string>;  // (layer, q_proj ...)
std::string linear_label(const LinearKey& k);         // "layer 4 q_proj"

struct PtqModelOptions {
  std::vector<int64_t> layers;
  PtqMode mode = PtqMode::Rht;
  uint64_t seed = 0;             // RHT signs and calibration windows
  int64_t calib_windows = 8;     // windows for the proxy Hessians (0: none; ldlq needs some)
  int64_t window = 1024;         // tokens per window
  double damping = 0.01;
};

// Proxy Hessians E[x x^T] of every linear's inputs in `layers`, on the unmodified model.
std::map<LinearKey, torch::Tensor> collect_proxy_hessians(model::LlamaModel& model, const std::vector<int64_t>& layers,
                                                          const std::vector<int64_t>& tokens, int64_t windows,
                                                          int64_t window, uint64_t seed, ProgressReporter* progress);

// Quantises the seven linears of every target layer (the model itself is not changed).
std::map<LinearKey, PtqLinearResult> ptq_model(model::LlamaModel& model, const std::vector<int64_t>& calib_tokens,
                                               const PtqModelOptions& options, const TrellisCode& code,
                                               ProgressReporter* progress);

}  // namespace bcjr::quant
