// Perplexity by the protocol of docs/ALGORITHM.md section 8: text -> tokens -> one BOS at the start
// -> non-overlapping windows of ctx tokens (the last partial window dropped), each window scored
// alone -> PPL = exp(mean NLL over every scored token). The result carries the protocol, which
// is printed with every number (figures from different protocols are not comparable).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/model/llama.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::model {

struct PerplexityOptions {
  int64_t ctx = 2048;
  int64_t max_windows = 0;    // 0: every full window of the text
  int64_t batch_windows = 0;  // windows per forward; 0: as many as a memory budget allows
  ProgressReporter* progress = nullptr;  // stage "perplexity", one unit per window; cancellable
};

struct PerplexityProtocol {
  std::string data_file;    // empty when scoring a token stream directly
  std::string data_sha256;  // of the file's bytes
  std::string bos_policy;   // in words, e.g. "one BOS (id 1) at the start of the text"
  int64_t text_tokens = 0;  // tokens of the text, the BOS included
  int64_t ctx = 0;
  int64_t windows_available = 0;  // full windows in the text
  int64_t windows = 0;            // windows scored (max_windows may cap them)
  int64_t tokens_scored = 0;      // windows * (ctx - 1): a window's first token has no context
  // The model's weights and activations ("fp32", "bf16", "fp16"; the log-softmax is always fp32):
  // part of the protocol, since the same weights give different perplexities in bf16 and fp32.
  std::string dtype;
};

struct PerplexityResult {
  PerplexityProtocol protocol;
  double mean_nll = 0;  // nats per token
  double ppl = 0;
  double seconds = 0;   // wall time of the scoring
};

// Text ids (encoded without BOS) -> the stream the protocol scores: one BOS first when bos_id >= 0.
std::vector<int64_t> perplexity_token_stream(const std::vector<int64_t>& text_ids, int64_t bos_id);
std::string perplexity_bos_policy(int64_t bos_id);
// "fp32", "bf16", "fp16" (or LibTorch's name for another type).
std::string perplexity_dtype_name(torch::Dtype dtype);

// Scores a stream made by perplexity_token_stream(); fills the protocol's ctx, token and window
// fields (the caller names the data and BOS policy).
PerplexityResult perplexity_of_tokens(LlamaModel& model, const std::vector<int64_t>& stream,
                                      const PerplexityOptions& options);

// The whole protocol from a text file. `encode` turns the file's text into ids without a BOS
// (e.g. a Tokenizer's encode(text, false)); `bos_id` < 0 means the model has none.
using TextEncoder = std::function<std::vector<int64_t>(const std::string&)>;
PerplexityResult perplexity_of_file(LlamaModel& model, const std::string& data_path, const TextEncoder& encode,
                                    int64_t bos_id, const PerplexityOptions& options);

// Several lines stating the protocol and the result, for the terminal and reports.
std::string describe_perplexity(const PerplexityResult& result);

}  // namespace bcjr::model
