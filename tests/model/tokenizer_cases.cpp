#include "tests/model/tokenizer_cases.h"

#include "engine/model/tokenizer_json_writer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bcjr::test {

namespace {

std::string describe(const std::string& text) {
  return "text (" + std::to_string(text.size()) + " bytes): \"" + (text.size() > 80 ? text.substr(0, 80) + "..." : text) + "\"";
}

// Where two id lists first differ, for a readable failure on a 300k-token text.
std::string first_difference(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::ostringstream os;
  os << "lengths " << a.size() << " vs " << b.size() << ", first difference at " << i << ":";
  for (size_t k = i; k < i + 8; ++k)
    os << " (" << (k < a.size() ? std::to_string(a[k]) : "-") << " vs " << (k < b.size() ? std::to_string(b[k]) : "-") << ")";
  return os.str();
}

}  // namespace

void expect_matches_reference(const model::Tokenizer& tok, const std::vector<TokenizerCase>& cases, bool lossless) {
  ASSERT_GE(cases.size(), 30u);
  size_t total = 0;
  for (const TokenizerCase& c : cases) {
    const auto ids = tok.encode(c.text, false);
    total += ids.size();
    EXPECT_TRUE(ids == c.ids) << describe(c.text) << "\n" << first_difference(ids, c.ids);
    const auto ids_bos = tok.encode(c.text, tok.adds_bos());
    EXPECT_TRUE(ids_bos == c.ids_bos) << "with BOS, " << describe(c.text) << "\n" << first_difference(ids_bos, c.ids_bos);
    EXPECT_EQ(tok.decode(c.ids), c.decoded) << describe(c.text);
    if (lossless) {
      EXPECT_EQ(tok.decode(ids), c.text) << describe(c.text);
    }
  }
  EXPECT_GT(total, 200000u);  // the whole book is among the cases
}

model::TokenizerSpec read_spm_scores_spec(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  EXPECT_EQ(j.at("model"), "llama");
  model::TokenizerSpec spec;
  spec.kind = "bpe-sentencepiece";
  spec.tokens = j.at("tokens").get<std::vector<std::string>>();
  spec.scores = j.at("scores").get<std::vector<float>>();
  spec.token_types = j.at("token_types").get<std::vector<int32_t>>();
  spec.bos_id = j.at("bos_id").get<int32_t>();
  spec.eos_id = j.at("eos_id").get<int32_t>();
  spec.unk_id = j.at("unk_id").get<int32_t>();
  spec.add_bos = j.at("add_bos").get<bool>();
  spec.add_prefix_space = j.at("add_space_prefix").get<bool>();
  spec.source = "GGUF-style spec";
  return spec;
}

// Writes the files, has `tokenizers` read them, and compares both readings with `tok`.
void expect_exported_files_match(const model::Tokenizer& tok, const TempDir& dir, bool lossless) {
  model::write_tokenizer_files(dir.path(), tok, 2048);
  std::rename(dir.file("tokenizer.json").c_str(), dir.file("exported.tokenizer.json").c_str());
  ASSERT_TRUE(make_reference("exported", dir));
  const auto cases = read_cases(dir.file("exported.cases.json"));
  SCOPED_TRACE("the engine's tokenizer against tokenizers reading the exported file");
  expect_matches_reference(tok, cases, lossless);
  std::rename(dir.file("exported.tokenizer.json").c_str(), dir.file("tokenizer.json").c_str());
  SCOPED_TRACE("the exported files read back by the engine");
  const model::Tokenizer back = model::Tokenizer::from_tokenizer_json(dir.file("tokenizer.json"), dir.file("tokenizer_config.json"));
  EXPECT_EQ(back.bos_id(), tok.bos_id());
  EXPECT_EQ(back.eos_id(), tok.eos_id());
  EXPECT_EQ(back.adds_bos(), tok.adds_bos());
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
  expect_matches_reference(back, cases, lossless);
}

}  // namespace bcjr::test
