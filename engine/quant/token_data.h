// Calibration and evaluation data as token ids: a text file (or "default", the default text)
// tokenised by the model's own tokenizer without BOS, or a .npy array of integer ids (used by
// tests and for pre-tokenised data), whole or one part of its calibration / held-out split
// (data_split.h). The SHA-256 of the file and of the part go into the run manifest.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/quant/data_split.h"

namespace bcjr::model {
struct LoadedModel;
}

namespace bcjr::quant {

struct TokenData {
  std::vector<int64_t> ids;  // no BOS
  std::string path;          // the resolved file
  std::string sha256;        // of the whole file
  int64_t bos_id = -1;       // the model's BOS (for the perplexity stream), -1: none
  std::string kind;          // "text" or "npy"
  DataPart part = DataPart::All;
  double held_out = 0;       // the split's fraction (0 for DataPart::All)
  std::string range;         // "lines 1-19897 of 22108", "ids [0, 387) of 430"
  std::string part_sha256;   // of the part's bytes (text) or of its int64 ids (npy); = sha256 for All

  // "mobydick.txt, lines 19898-22108 of 22108 (held out: the last 10% of lines)", for protocols.
  std::string describe() const;
  // {path, sha256, kind, tokens, part, range, part_sha256, held_out} for run.json.
  nlohmann::json manifest_json() const;
};

// Throws a bcjr::Error naming the file (missing, empty, ids outside the vocabulary, no tokenizer,
// an empty part). `held_out` is used for the Calibration and HeldOut parts.
TokenData load_token_data(const std::string& path_or_default, const model::LoadedModel& model,
                          DataPart part = DataPart::All, double held_out = 0);

}  // namespace bcjr::quant
