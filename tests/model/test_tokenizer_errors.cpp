// Malformed or unsupported tokenizer files and bad input give a bcjr::Error that names the
// file (or the text) and the problem.
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

TEST(TokenizerErrors, ValidSmallFileLoadsAndEncodes) {
  TempDir dir;
  const auto path = write(dir, "ok.json", tokenizer_json(R"(["a b", ["Ġ", "ab"]])"));
  const Tokenizer tok = Tokenizer::from_tokenizer_json(path);
  EXPECT_EQ(tok.encode("ab ab<s>", false), (std::vector<int32_t>{2, 4, 5}));
  EXPECT_EQ(tok.decode({2, 4, 5}), "ab ab<s>");
}

TEST(TokenizerErrors, EmptyMergesNamesFile) {
  TempDir dir;
  const auto path = write(dir, "empty_merges.json", tokenizer_json("[]"));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "merges is empty"});
}

TEST(TokenizerErrors, UnknownModelTypeNamesFileAndType) {
  TempDir dir;
  const auto path = write(dir, "unigram.json", tokenizer_json(R"(["a b"])", "Unigram"));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "Unigram", "not supported"});
}

TEST(TokenizerErrors, UnsupportedNormalizerIsNamed) {
  TempDir dir;
  std::string j = tokenizer_json(R"(["a b"])");
  j.replace(j.find(R"("normalizer":null)"), 17, R"("normalizer":{"type":"NFKC"})");
  const auto path = write(dir, "nfkc.json", j);
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "normalizer", "NFKC"});
}

TEST(TokenizerErrors, MergeOfUnknownTokenNamesMerge) {
  TempDir dir;
  const auto path = write(dir, "bad_merge.json", tokenizer_json(R"(["a c"])"));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "merge 0", "'c'"});
}

TEST(TokenizerErrors, MissingAndInvalidFiles) {
  TempDir dir;
  expect_error([&] { Tokenizer::from_tokenizer_json(dir.file("nope.json")); }, {"nope.json", "cannot open"});
  const auto path = write(dir, "trunc.json", tokenizer_json(R"(["a b"])").substr(0, 100));
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "not valid JSON"});
}

TEST(TokenizerErrors, BadRegexNamesFile) {
  TempDir dir;
  std::string j = tokenizer_json(R"(["a b"])");
  const std::string byte_level = R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":true})";
  j.replace(j.find(byte_level), byte_level.size(),
            R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(unclosed"},)"
            R"("behavior":"Isolated"},)" + byte_level + "]}");
  const auto path = write(dir, "bad_regex.json", j);
  expect_error([&] { Tokenizer::from_tokenizer_json(path); }, {path, "(unclosed", "does not compile"});
}

TEST(TokenizerErrors, InvalidUtf8AndOutOfRangeIds) {
  TempDir dir;
  const Tokenizer tok = Tokenizer::from_tokenizer_json(write(dir, "ok.json", tokenizer_json(R"(["a b"])")));
  expect_error([&] { tok.encode(std::string("ab\xC3", 3), false); }, {"not valid UTF-8", "byte 2"});
  expect_error([&] { tok.decode({0, 99}); }, {"99", "outside the vocabulary"});
  expect_error([&] { tok.encode("ab", true); }, {"no BOS"});
}

TEST(TokenizerErrors, ConfigOverridesAndChecksBos) {
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
