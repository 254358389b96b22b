// The tokenizer against Hugging Face `tokenizers` on the whole default text and on tricky
// strings, for the default model's vocabulary (from tokenizer.json and from GGUF-style
// metadata), a Llama-3-style byte-level BPE and SentencePiece-style BPEs with byte fallback.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/model/tokenizer.h"
#include "tests/model/tokenizer_cases.h"

namespace bcjr::test {
namespace {

using model::Tokenizer;
using model::TokenizerSpec;

TEST(TokenizerReference, SmolLM2TokenizerJsonMatchesTokenizers) {
  TempDir dir;
  ASSERT_TRUE(make_reference("smollm", dir));
  const Tokenizer tok = Tokenizer::from_tokenizer_json(dir.file("smollm.tokenizer.json"));
  EXPECT_EQ(tok.kind(), "bpe-bytelevel");
  EXPECT_EQ(tok.vocab_size(), 49152);
  EXPECT_FALSE(tok.adds_bos());
  expect_matches_reference(tok, read_cases(dir.file("smollm.cases.json")), true);
}

// What the GGUF loader hands over: tokenizer.ggml.* as they are, with the pre-tokenizer named
// "smollm" and no steps spelled out.
TEST(TokenizerReference, SmolLM2GgufSpecMatchesTokenizers) {
  TempDir dir;
  ASSERT_TRUE(make_reference("smollm", dir));
  std::ifstream f(dir.file("smollm.spec.json"));
  std::stringstream ss;
  ss << f.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  TokenizerSpec spec;
  ASSERT_EQ(j.at("model"), "gpt2");
  spec.kind = "bpe-bytelevel";
  spec.pre = j.at("pre").get<std::string>();
  spec.tokens = j.at("tokens").get<std::vector<std::string>>();
  spec.token_types = j.at("token_types").get<std::vector<int32_t>>();
  for (const auto& m : j.at("merges")) {
    const std::string s = m.get<std::string>();
    spec.merges.emplace_back(s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1));
  }
  spec.bos_id = j.at("bos_id").get<int32_t>();
  spec.eos_id = j.at("eos_id").get<int32_t>();
  spec.add_bos = j.at("add_bos").get<bool>();
  spec.source = "GGUF " + default_model_path();
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_EQ(tok.kind(), "bpe-bytelevel");
  EXPECT_EQ(tok.bos_id(), 1);
  expect_matches_reference(tok, read_cases(dir.file("smollm.cases.json")), true);
}

TEST(TokenizerReference, Llama3StyleMatchesTokenizers) {
  TempDir dir;
  ASSERT_TRUE(make_reference("llama3", dir));
  for (const char* name : {"llama3", "llama3_str"}) {
    SCOPED_TRACE(name);
    const Tokenizer tok = Tokenizer::from_tokenizer_json(dir.file(std::string(name) + ".tokenizer.json"));
    EXPECT_EQ(tok.kind(), "bpe-bytelevel");
    EXPECT_TRUE(tok.adds_bos());
    EXPECT_EQ(tok.token_text(tok.bos_id()), "<|begin_of_text|>");
    expect_matches_reference(tok, read_cases(dir.file(std::string(name) + ".cases.json")), true);
  }
}

TEST(TokenizerReference, SentencePieceStyleWithByteFallbackMatchesTokenizers) {
  TempDir dir;
  ASSERT_TRUE(make_reference("spm", dir));
  for (const char* name : {"spm", "spm_legacy"}) {
    SCOPED_TRACE(name);
    const Tokenizer tok = Tokenizer::from_tokenizer_json(dir.file(std::string(name) + ".tokenizer.json"));
    EXPECT_EQ(tok.kind(), "bpe-sentencepiece");
    EXPECT_TRUE(tok.adds_bos());
    EXPECT_EQ(tok.token_text(tok.bos_id()), "<s>");
    expect_matches_reference(tok, read_cases(dir.file(std::string(name) + ".cases.json")), false);
    // Lossless where SentencePiece is: text that neither starts with a space nor holds special tokens.
    for (const std::string text : {"Call me Ishmael.  Some years ago\n\tnever mind how long", "CJK 你好 😀 ½"})
      EXPECT_EQ(tok.decode(tok.encode(text, false)), text);
  }
}

}  // namespace
}  // namespace bcjr::test
