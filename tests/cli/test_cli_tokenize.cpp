// `bcjr tokenize` end to end: the default GGUF model's tokenizer (through the model loader) and
// a Llama-3-style tokenizer.json give the ids Hugging Face `tokenizers` gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/support/tokenizer_reference.h"
#include "tests/support/test_support.h"

namespace bcjr::test {
namespace {

std::string join(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
  return s + "\n";
}

std::string write_text(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name), std::ios::binary) << text;
  return dir.file(name);
}

TEST(CliTokenize, DefaultModelMatchesTokenizersOnWholeTextAndTrickyStrings) {
  TempDir dir;
  ASSERT_TRUE(make_reference("smollm", dir));
  const auto cases = read_cases(dir.file("smollm.cases.json"));
  ASSERT_GE(cases.size(), 30u);
  // The whole book through `--file default`.
  const CommandResult book = run_command(bcjr_program() + " tokenize --model default --file default");
  ASSERT_EQ(book.exit_code, 0) << book.out.substr(0, 2000);
  const auto whole = std::max_element(cases.begin(), cases.end(), [](const auto& a, const auto& b) {
    return a.text.size() < b.text.size();
  });
  ASSERT_GT(whole->text.size(), 1000000u);
  EXPECT_TRUE(book.out == join(whole->ids_bos)) << "ids of the default text differ";
  for (size_t i = 0; i < cases.size(); i += 5) {
    const auto f = write_text(dir, "case.txt", cases[i].text);
    const CommandResult r = run_command(bcjr_program() + " tokenize --model default --file '" + f + "'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out, join(cases[i].ids_bos)) << cases[i].text;
  }
}

TEST(CliTokenize, TokenizerJsonWithAndWithoutBos) {
  TempDir dir;
  ASSERT_TRUE(make_reference("llama3", dir));
  const auto cases = read_cases(dir.file("llama3.cases.json"));
  ASSERT_GE(cases.size(), 2u);
  const std::string base = bcjr_program() + " tokenize --tokenizer '" + dir.file("llama3.tokenizer.json") + "'";
  const CommandResult with_bos = run_command(base + " --text \"" + cases[1].text.substr(0, 30) + "\"");
  ASSERT_EQ(with_bos.exit_code, 0) << with_bos.out;
  const auto f = write_text(dir, "case.txt", cases[1].text);
  const CommandResult a = run_command(base + " --file '" + f + "'");
  const CommandResult b = run_command(base + " --file '" + f + "' --no-bos");
  EXPECT_EQ(a.out, join(cases[1].ids_bos));
  EXPECT_EQ(b.out, join(cases[1].ids));
  EXPECT_NE(a.out, b.out);
}

TEST(CliTokenize, BadUsageIsRefused) {
  const CommandResult none = run_command(bcjr_program() + " tokenize --model default");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.out.find("--text"), std::string::npos) << none.out;
  const CommandResult missing = run_command(bcjr_program() + " tokenize --tokenizer /nonexistent/tokenizer.json --text hi");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("/nonexistent/tokenizer.json"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace bcjr::test
