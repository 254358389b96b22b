// The tokenizer against Hugging Face `tokenizers` on the whole default text and on tricky
// strings, for the default model's vocabulary (from tokenizer.json and from GGUF-style
// metadata), a Llama-3-style byte-level BPE and SentencePiece-style BPEs with byte fallback.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/model/gguf.h"
#include "engine/model/gguf_llama.h"
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

// The GGUF loader's spec of the default model (tokenizer.ggml.* as they are, the pre-tokenizer
// named "smollm", no steps spelled out) against tokenizers running SmolLM2's own pipeline.
TEST(TokenizerReference, SmolLM2GgufSpecMatchesTokenizers) {
  TempDir dir;
  ASSERT_TRUE(make_reference("smollm", dir));
  const TokenizerSpec spec = model::tokenizer_spec_from_gguf(model::GgufFile(default_model_path()));
  EXPECT_EQ(spec.pre, "smollm");
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_EQ(tok.kind(), "bpe-bytelevel");
  EXPECT_EQ(tok.bos_id(), 1);
  const auto cases = read_cases(dir.file("smollm.cases.json"));
  // First from several threads at once on a fresh tokenizer (shared piece cache), then alone.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[(i + 7 * t) % cases.size()];
        if (tok.encode(c.text, false) != c.ids) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  expect_matches_reference(tok, cases, true);
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
  // As a GGUF file names it: tokenizer.ggml.pre "llama-bpe", the steps left to the Tokenizer.
  TokenizerSpec spec = model::tokenizer_spec_from_json(dir.file("llama3.tokenizer.json"));
  spec.steps_given = false;
  spec.pre_steps.clear();
  spec.added_tokens.clear();
  spec.pre = "llama-bpe";
  expect_matches_reference(Tokenizer::from_spec(spec), read_cases(dir.file("llama3.cases.json")), true);
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

// A GGUF "llama" (SentencePiece) vocabulary has scores and no merges: the Tokenizer derives
// them, and must agree with tokenizers running the merges transformers' converter derives.
TEST(TokenizerReference, SentencePieceScoresWithoutMergesMatchConvertedTokenizer) {
  TempDir dir;
  ASSERT_TRUE(make_reference("spm", dir));
  const TokenizerSpec spec = read_spm_scores_spec(dir.file("spm_scores.spec.json"));
  const Tokenizer tok = Tokenizer::from_spec(spec);
  EXPECT_EQ(tok.kind(), "bpe-sentencepiece");
  expect_matches_reference(tok, read_cases(dir.file("spm_scores.cases.json")), false);
  // The converted tokenizer.json itself, read as a file, agrees too.
  expect_matches_reference(Tokenizer::from_tokenizer_json(dir.file("spm_scores.tokenizer.json")),
                           read_cases(dir.file("spm_scores.cases.json")), false);
  // And so does the tokenizer.json this program writes for such a vocabulary (what the hf export
  // of a SentencePiece GGUF carries): byte fallback, and the BOS the GGUF asks for.
  TempDir exported;
  expect_exported_files_match(tok, exported, false);
  const auto json = nlohmann::json::parse(read_file(exported.file("tokenizer.json")));
  EXPECT_TRUE(json.at("model").at("byte_fallback").get<bool>());
  EXPECT_EQ(json.at("post_processor").at("type"), "TemplateProcessing");
}

}  // namespace
}  // namespace bcjr::test
