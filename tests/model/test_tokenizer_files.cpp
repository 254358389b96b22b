// Small hand-written tokenizer.json files: features whose ids were checked with tokenizers
// (plain BPE, unk, added tokens that strip whitespace), and malformed or unsupported files and bad
// input, which must give a bcjr::Error naming the file (or the text) and the problem.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/core/error.h"
#include "engine/model/tokenizer.h"
#include "tests/support/test_support.h"

namespace bcjr::test {
namespace {

using model::Tokenizer;

// A small valid byte-level tokenizer.json with the given merges and model type.
std::string tokenizer_json(const std::string& merges, const std::string& model_type = "BPE") {
  return R"({"version":"1.0","added_tokens":[{"id":5,"content":"<s>","special":true}],
    "normalizer":null,"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
    "post_processor":null,"decoder":null,
    "model":{"type":")" + model_type + R"(","vocab":{"a":0,"b":1,"ab":2,"Ġ":3,"Ġab":4},"merges":)" + merges + "}}";
}

std::string write(const TempDir& dir, const std::string& name, const std::string& content) {
  std::ofstream(dir.file(name), std::ios::binary) << content;
  return dir.file(name);
}

// Expects bcjr::Error with all of `pieces` in its message.
template <typename F>
void expect_error(F&& f, const std::vector<std::string>& pieces) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    for (const auto& p : pieces) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(TokenizerFiles, ValidSmallFileLoadsAndEncodes) {
  TempDir dir;
  const auto path = write(dir, "ok.json", tokenizer_json(R"(["a b", ["Ġ", "ab"]])"));
  const Tokenizer tok = Tokenizer::from_tokenizer_json(path);
  EXPECT_EQ(tok.encode("ab ab<s>", false), (std::vector<int32_t>{2, 4, 5}));
  EXPECT_EQ(tok.decode({2, 4, 5}), "ab ab<s>");
}

// No normalizer, no pre-tokenizer: the whole text is one BPE word; characters outside the
// vocabulary are dropped without an unk token and fused into one with fuse_unk (ids checked
// with tokenizers 0.23.3).
TEST(TokenizerFiles, PlainBpeWithoutPreTokenizer) {
  TempDir dir;
  const std::string model = R"("vocab":{"a":0,"b":1,"ab":2,"Ġ":3,"Ġab":4,"<unk>":5},"merges":["a b","Ġ ab"])";
  const Tokenizer plain = Tokenizer::from_tokenizer_json(
      write(dir, "plain.json", R"({"normalizer":null,"pre_tokenizer":null,"model":{"type":"BPE",)" + model + "}}"));
  EXPECT_EQ(plain.kind(), "bpe");
  EXPECT_EQ(plain.encode("ab xab", false), (std::vector<int32_t>{2, 2}));
  const Tokenizer unk = Tokenizer::from_tokenizer_json(write(
      dir, "unk.json", R"({"model":{"type":"BPE","unk_token":"<unk>","fuse_unk":true,)" + model + "}}"));
  EXPECT_EQ(unk.encode("ab  xab", false), (std::vector<int32_t>{2, 5, 2}));
}

// Added tokens with lstrip / rstrip swallow the whitespace beside them (ids checked with
// tokenizers 0.23.3 on the same file).
TEST(TokenizerFiles, AddedTokensStripWhitespace) {
  TempDir dir;
  const Tokenizer tok = Tokenizer::from_tokenizer_json(write(dir, "strip.json", R"({
    "added_tokens":[{"id":7,"content":"<m>","lstrip":true,"rstrip":false,"normalized":false,"special":true},
                    {"id":8,"content":"<r>","lstrip":false,"rstrip":true,"normalized":false,"special":true}],
    "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
    "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"Ġ":3,"Ġab":4,"Ġa":5,"Ġb":6},
             "merges":["a b","Ġ ab","Ġ a","Ġ b"]}})"));
  using V = std::vector<int32_t>;
  EXPECT_EQ(tok.encode("ab  <m>  ab", false), (V{2, 7, 3, 4}));
  EXPECT_EQ(tok.encode("a\u3000<m>b", false), (V{0, 7, 1}));
  EXPECT_EQ(tok.encode("ab <r>   ab", false), (V{2, 3, 8, 2}));
  EXPECT_EQ(tok.encode("<m> <r> a", false), (V{7, 3, 8, 0}));
  EXPECT_EQ(tok.encode("a <r> <m> b", false), (V{0, 3, 8, 7, 6}));
}

TEST(TokenizerFiles, EmptyMergesNamesFile) {
  TempDir dir;
  const auto path = write(dir, "empty_merges.json", tokenizer_json("[]"));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "merges is empty"});
}

TEST(TokenizerFiles, UnknownModelTypeNamesFileAndType) {
  TempDir dir;
  const auto path = write(dir, "unigram.json", tokenizer_json(R"(["a b"])", "Unigram"));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "Unigram", "not supported"});
}

TEST(TokenizerFiles, UnsupportedNormalizerIsNamed) {
  TempDir dir;
  std::string j = tokenizer_json(R"(["a b"])");
  j.replace(j.find(R"("normalizer":null)"), 17, R"("normalizer":{"type":"NFKC"})");
  const auto path = write(dir, "nfkc.json", j);
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "normalizer", "NFKC"});
}

TEST(TokenizerFiles, MergeOfUnknownTokenNamesMerge) {
  TempDir dir;
  const auto path = write(dir, "bad_merge.json", tokenizer_json(R"(["a c"])"));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "merge 0", "'c'"});
}

TEST(TokenizerFiles, MissingAndInvalidFiles) {
  TempDir dir;
  expect_error([&] { Tokenizer::from_tokenizer_json(dir.file("nope.json")); }, {"nope.json", "cannot open"});
  const auto path = write(dir, "trunc.json", tokenizer_json(R"(["a b"])").substr(0, 100));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "not valid JSON"});
}

TEST(TokenizerFiles, BadRegexNamesFile) {
  TempDir dir;
  std::string j = tokenizer_json(R"(["a b"])");
  const std::string byte_level = R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":true})";
  j.replace(j.find(byte_level), byte_level.size(),
            R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(unclosed"},)"
            R"("behavior":"Isolated"},)" + byte_level + "]}");
  const auto path = write(dir, "bad_regex.json", j);
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "(unclosed", "does not compile"});
}

TEST(TokenizerFiles, InvalidUtf8AndOutOfRangeIds) {
  TempDir dir;
  const Tokenizer tok = Tokenizer::from_tokenizer_json(write(dir, "ok.json", tokenizer_json(R"(["a b"])")));
  expect_error([&] { tok.encode(std::string("ab\xC3", 3), false); }, {"not valid UTF-8", "byte 2"});
  expect_error([&] { tok.decode({0, 99}); }, {"99", "outside the vocabulary"});
  expect_error([&] { tok.encode("ab", true); }, {"no BOS"});
}

TEST(TokenizerFiles, ConfigOverridesAndChecksBos) {
  TempDir dir;
  const auto path = write(dir, "ok.json", tokenizer_json(R"(["a b"])"));
  const Tokenizer with_bos = Tokenizer::from_tokenizer_json(
      path, write(dir, "cfg.json", R"({"add_bos_token": true, "bos_token": {"content": "<s>"}})"));
  EXPECT_TRUE(with_bos.adds_bos());
  EXPECT_EQ(with_bos.encode("ab", with_bos.adds_bos()), (std::vector<int32_t>{5, 2}));
  const auto bad = write(dir, "bad_cfg.json", R"({"add_bos_token": true, "bos_token": "<nope>"})");
  expect_error([&] { Tokenizer::from_tokenizer_json(path, bad); }, {bad, "<nope>"});
}

}  // namespace
}  // namespace bcjr::test
