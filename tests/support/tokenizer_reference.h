// Reference token ids from Hugging Face `tokenizers`: runs tests/model/tokenizer_reference.py
// for one tokenizer family and reads back what it wrote (used by the model and cli tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace bcjr::test {

struct TokenizerCase {
  std::string text;
  std::vector<int32_t> ids;      // encode without special tokens
  std::vector<int32_t> ids_bos;  // encode with the post-processor's special tokens
  std::string decoded;           // tokenizers' decode(ids, skip_special_tokens=False)
};

// Writes `family` (smollm, llama3, spm) into `dir`; on failure adds a test failure carrying
// the script's output and returns false.
bool make_reference(const std::string& family, const TempDir& dir);
std::vector<TokenizerCase> read_cases(const std::string& path);

}  // namespace bcjr::test
