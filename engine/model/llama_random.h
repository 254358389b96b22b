// Random Hugging Face-named weights for a Llama config: the model the forward-pass tests and the
// benchmarks run when no checkpoint is involved (e.g. a Llama-3.2-1B-shaped model on the GPU).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <torch/types.h>

#include "engine/model/llama_config.h"

namespace bcjr::model {

// fp32 CPU tensors drawn from a generator seeded with `seed`: linears and embeddings
// N(0, std^2), norm weights 1 + N(0, 0.1^2) so that they are not trivially one.
std::map<std::string, torch::Tensor> llama_random_tensors(const LlamaConfig& config, uint64_t seed,
                                                         double std = 0.02);

// The default model's shape (SmolLM2-135M: 30 layers, hidden 576, GQA 9/3, vocab 49152, tied
// head), for benchmarks and estimates that need it without the asset.
LlamaConfig smollm2_135m_config();

}  // namespace bcjr::model
