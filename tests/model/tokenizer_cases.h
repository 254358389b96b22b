// The tokenizer tests' comparison of a Tokenizer with the reference ids of Hugging Face
// `tokenizers` (tests/support/tokenizer_reference.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/tokenizer.h"
#include "tests/support/tokenizer_reference.h"

namespace bcjr::test {

// Compares `tok` with the reference on every case; `lossless`: also decode(encode(x)) == x.
void expect_matches_reference(const model::Tokenizer& tok, const std::vector<TokenizerCase>& cases,
                              bool lossless);

// The GGUF-style SentencePiece vocabulary (tokens, scores, types; no merges) that
// tokenizer_reference.py writes as spm_scores.spec.json.
model::TokenizerSpec read_spm_scores_spec(const std::string& path);

// Writes `tok` as Hugging Face tokenizer files into `dir` (tokenizer_json_writer.h), has
// `tokenizers` read them (tokenizer_reference.py exported), and expects both `tok` and the engine
// reading the files back to give tokenizers' ids on every case.
void expect_exported_files_match(const model::Tokenizer& tok, const TempDir& dir, bool lossless);

}  // namespace bcjr::test
