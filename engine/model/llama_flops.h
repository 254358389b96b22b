// The arithmetic of one Llama forward, per token: what the benchmarks read their speeds against
// and what the run-cost estimate (engine/quant/run_cost.h) prices a training step with.
#pragma once

#include <cstdint>

#include "engine/model/llama_config.h"

namespace bcjr::model {

// FLOPs of the layers [first, last) per token at context `ctx`; multiply-adds count 2 each.
// Attention is counted as computed: the full T x T score and value products (the causal mask
// halves the useful part, not the work done).
double llama_layer_flops_per_token(const LlamaConfig& c, int64_t ctx, int64_t first, int64_t last);
// The whole forward per token: every layer and the output head.
double llama_flops_per_token(const LlamaConfig& c, int64_t ctx);
// Weights of one decoder layer's seven linears.
int64_t llama_layer_linear_params(const LlamaConfig& c);

}  // namespace bcjr::model
