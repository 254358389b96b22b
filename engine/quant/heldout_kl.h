// How far a quantised model's predictions are from its FP original on held-out text: the forward
// KL(FP || quantised) over the full vocabulary, in fp32, per predicted token, on the windows the
// perplexity protocol scores (non-overlapping windows of ctx tokens, last partial one dropped,
// ctx - 1 predictions each; ALGORITHM.md 8). The quantised model is the FP model with some
// linears replaced, through weight providers that are removed again before returning.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <vector>

#include "engine/model/llama.h"
#include "engine/quant/ptq_model.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

struct HeldoutKl {
  double kl = 0;  // nats per predicted token
  int64_t windows = 0, tokens = 0, ctx = 0;
};

// `stream` as perplexity_token_stream() makes it; max_windows 0: every full window. Cancellable
// through `progress` (stage "held-out KL").
HeldoutKl heldout_kl(model::LlamaModel& model, const std::map<LinearKey, torch::Tensor>& weights,
                     const std::vector<int64_t>& stream, int64_t ctx, int64_t max_windows,
                     ProgressReporter* progress = nullptr);
// The same for several quantised models at once (one FP forward per window for all of them).
std::vector<HeldoutKl> heldout_kls(model::LlamaModel& model,
                                   const std::vector<std::map<LinearKey, torch::Tensor>>& weights,
                                   const std::vector<int64_t>& stream, int64_t ctx, int64_t max_windows,
                                   ProgressReporter* progress = nullptr);

}  // namespace bcjr::quant
