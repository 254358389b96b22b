// tokenizer.json written from GGUF tokenizer metadata (tokenizer_json_writer.h), as the hf export
// of a GGUF model carries it: Hugging Face `tokenizers` reads the file and gives the engine's ids
// on the whole default text and on tricky strings, and the engine reads the files back to the
// same tokenizer. For the default model's byte-level BPE here; a SentencePiece-style vocabulary
// with scores but no merges is checked with the other SentencePiece references
// (test_tokenizer_reference.cpp).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/gguf.h"
#include "engine/model/gguf_llama.h"
#include "engine/model/tokenizer.h"
#include "engine/model/tokenizer_json_writer.h"
#include "tests/model/tokenizer_cases.h"

namespace bcjr::test {
namespace {

using model::Tokenizer;
using model::TokenizerSpec;

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

TEST(TokenizerExport, DefaultModelsGgufTokenizerAsTokenizerJson) {
  TempDir dir;
  const Tokenizer tok = Tokenizer::from_spec(model::tokenizer_spec_from_gguf(model::GgufFile(default_model_path())));
  expect_exported_files_match(tok, dir, true);
  const auto config = read_json(dir.file("tokenizer_config.json"));
  EXPECT_EQ(config.at("bos_token"), tok.token_text(tok.bos_id()));
  EXPECT_EQ(config.at("eos_token"), tok.token_text(tok.eos_id()));
  EXPECT_EQ(config.at("add_bos_token"), tok.adds_bos());
  EXPECT_EQ(config.at("model_max_length"), 2048);
  // Control tokens are special added tokens, listed in both files.
  const auto json = read_json(dir.file("tokenizer.json"));
  int special = 0;
  for (const auto& a : json.at("added_tokens")) special += a.at("special").get<bool>();
  EXPECT_GT(special, 0);
  EXPECT_EQ(size_t(special), config.at("added_tokens_decoder").size());
  EXPECT_EQ(read_json(dir.file("special_tokens_map.json")).at("eos_token"), tok.token_text(tok.eos_id()));
}

TEST(TokenizerExport, DuplicateTokenTextIsRefusedByName) {
  TokenizerSpec spec;
  spec.kind = "bpe-bytelevel";
  spec.pre = "gpt2";
  spec.tokens = {"a", "b", "ab", "a"};
  spec.merges = {{"a", "b"}};
  spec.source = "test vocabulary";
  const Tokenizer tok = Tokenizer::from_spec(spec);
  try {
    model::tokenizer_json(tok);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test vocabulary"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bcjr::test
