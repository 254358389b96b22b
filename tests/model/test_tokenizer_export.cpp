// tokenizer.json written from GGUF tokenizer metadata (tokenizer_json_writer.h), as the hf export
// of a GGUF model carries it: Hugging Face `tokenizers` reads the file and gives the engine's ids
// on the whole default text and on tricky strings, and the engine reads the files back to the
// same tokenizer. For the default model's byte-level BPE and a SentencePiece-style vocabulary
// that has scores but no merges.
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

// Writes the files, has `tokenizers` read them, and compares both readings with `tok`.
void check_exported(const Tokenizer& tok, const TempDir& dir, bool lossless) {
  model::write_tokenizer_files(dir.path(), tok, 2048);
  std::rename(dir.file("tokenizer.json").c_str(), dir.file("exported.tokenizer.json").c_str());
  ASSERT_TRUE(make_reference("exported", dir));
  const auto cases = read_cases(dir.file("exported.cases.json"));
  SCOPED_TRACE("the engine's tokenizer against tokenizers reading the exported file");
  expect_matches_reference(tok, cases, lossless);
  std::rename(dir.file("exported.tokenizer.json").c_str(), dir.file("tokenizer.json").c_str());
  SCOPED_TRACE("the exported files read back by the engine");
  const Tokenizer back = Tokenizer::from_tokenizer_json(dir.file("tokenizer.json"), dir.file("tokenizer_config.json"));
  EXPECT_EQ(back.bos_id(), tok.bos_id());
  EXPECT_EQ(back.eos_id(), tok.eos_id());
  EXPECT_EQ(back.adds_bos(), tok.adds_bos());
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
  expect_matches_reference(back, cases, lossless);
}

TEST(TokenizerExport, DefaultModelsGgufTokenizerAsTokenizerJson) {
  TempDir dir;
  const Tokenizer tok = Tokenizer::from_spec(model::tokenizer_spec_from_gguf(model::GgufFile(default_model_path())));
  check_exported(tok, dir, true);
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

TEST(TokenizerExport, SentencePieceScoresWithoutMergesAsTokenizerJson) {
  TempDir ref;
  ASSERT_TRUE(make_reference("spm", ref));
  const TokenizerSpec spec = read_spm_scores_spec(ref.file("spm_scores.spec.json"));
  TempDir dir;
  check_exported(Tokenizer::from_spec(spec), dir, false);
  const auto json = read_json(dir.file("tokenizer.json"));
  EXPECT_TRUE(json.at("model").at("byte_fallback").get<bool>());
  EXPECT_EQ(json.at("post_processor").at("type"), "TemplateProcessing");  // BOS first, as the GGUF says
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
