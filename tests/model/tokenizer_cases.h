// Shared by the tokenizer tests: runs tokenizer_reference.py (Hugging Face `tokenizers`) for
// one tokenizer family and reads back the reference ids it wrote.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/tokenizer.h"
#include "tests/support/test_support.h"

namespace bcjr::test {

struct TokenizerCase {
  std::string text;
  std::vector<int32_t> ids;      // encode without special tokens
  std::vector<int32_t> ids_bos;  // encode with the post-processor's special tokens
  std::string decoded;           // tokenizers' decode(ids, skip_special_tokens=False)
};

// Runs the reference script for `family` (smollm, llama3, spm) into `dir`; fails the test
// (ADD_FAILURE) with the script's output if it does not succeed.
bool make_reference(const std::string& family, const TempDir& dir);
std::vector<TokenizerCase> read_cases(const std::string& path);
// Compares `tok` with the reference on every case; `lossless`: also decode(encode(x)) == x.
void expect_matches_reference(const model::Tokenizer& tok, const std::vector<TokenizerCase>& cases,
                              bool lossless);

}  // namespace bcjr::test
