// Calibration and evaluation data as token ids: a text file (or "default", the default text)
// tokenised by the model's own tokenizer without BOS, or a .npy array of integer ids (used by
// tests and for pre-tokenised data). The SHA-256 of the file goes into the run manifest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::model {
struct LoadedModel;
}

namespace bcjr::quant {

struct TokenData {
  std::vector<int64_t> ids;  // no BOS
  std::string path;          // the resolved file
  std::string sha256;
  int64_t bos_id = -1;       // the model's BOS (for the perplexity stream), -1: none
  std::string kind;          // "text" or "npy"
};

// Throws a bcjr::Error naming the file (missing, empty, ids outside the vocabulary, no tokenizer).
TokenData load_token_data(const std::string& path_or_default, const model::LoadedModel& model);

}  // namespace bcjr::quant
