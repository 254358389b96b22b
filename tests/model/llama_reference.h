// An independent Llama forward written for the tests with plain tensor ops in fp64: its own RoPE
// (frequencies computed one by one with scalar maths), per-head attention loops and RMSNorm.
// It shares nothing with engine/model/llama.cpp except the config struct and the weight names.
#pragma once

#include <map>
#include <string>

#include <torch/types.h>

#include "engine/model/llama_config.h"

namespace bcjr::test {

// Logits [B, T, vocab] (fp64) of the model `weights` (Hugging Face names) for tokens [B, T].
torch::Tensor reference_llama_logits(const model::LlamaConfig& c, const std::map<std::string, torch::Tensor>& weights,
                                     const torch::Tensor& tokens);

// A small config for the forward-pass tests: GQA (8 query heads, 2 key/value heads), head_dim 16
// given explicitly (hidden / heads would be 8), llama3 rope scaling whose three frequency bands
// are all populated at ~64 positions, and an untied head.
model::LlamaConfig tiny_llama_config();

// Relative error ||a - b|| / ||b|| in fp64.
double relative_error(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace bcjr::test
