// A tiny random Llama written as a Hugging Face folder (config.json + model.safetensors) and
// random token ids as .npy, so the QAT tests run the real loader, forward pass and trellis in seconds.
#pragma once

#include <cstdint>
#include <string>

#include "engine/model/llama_config.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/trellis_code.h"

namespace bcjr::test {

// hidden 32, intermediate 64, 2 layers, 4 heads (2 KV heads, head_dim 8), vocab 64, untied head:
// linears of 32x32, 16x32, 64x32 and 32x64 (whole 16x16 tiles, Hadamard orders 16, 32, 64).
model::LlamaConfig tiny_qat_config();
// Writes the folder `dir` with weights drawn from `seed`; returns its path.
std::string write_tiny_llama(const std::string& dir, uint64_t seed);
// Writes n random ids in [0, vocab) as int64 .npy.
std::string write_token_ids(const std::string& path, int64_t n, int64_t vocab, uint64_t seed);
// A QAT configuration for that model: hyb L=8 k=2 V=2 (exact tail-biting), windows of 32 tokens,
// perplexity windows of 32, 3 steps, checkpoints every step.
quant::QatConfig tiny_qat_run(const std::string& model_dir, const std::string& tokens);
// The small trellis of those runs, hyb L=8 k=2 V=2, tail-biting.
quant::TrellisCode small_trellis_code();

}  // namespace bcjr::test
