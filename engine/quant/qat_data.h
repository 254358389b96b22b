// The token ids a BCJR-QAT run works on, and where its perplexity stream came from (the CLI
// tokenises text; tests give ids directly).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::quant {

struct QatData {
  std::vector<int64_t> calibration;  // calibration text, no BOS
  std::vector<int64_t> eval_stream;  // perplexity stream (BOS first where the model has one); empty: no eval
  std::string eval_source;           // file name, for the protocol
  std::string eval_sha256;
  std::string bos_policy;
};

}  // namespace bcjr::quant
