// `bcjr eval --packed` as a user runs it after `bcjr ptq` and `bcjr export`: the packed file's
// decoded layer gives exactly the perplexity of the same run's .pt snapshot, and not the FP one.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::run_command;

namespace {
double perplexity_in(const std::string& out) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(out, m, std::regex("perplexity\\s+([0-9.]+)"))) << out;
  return m.size() > 1 ? std::stod(m[1].str()) : -1;
}
}  // namespace

TEST(CliEvalPacked, PackedExportEvaluatesLikeItsPtSnapshot) {
  bcjr::test::TempDir dir;
  const std::string run = dir.file("run");
  // A small trellis (L=6: exact tail-biting over 4 overlaps) keeps PTQ of one real layer quick.
  auto r = run_command(bcjr_program() + " ptq --model default --layers 2 --L 6 --no-eval --out " + run);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_command(bcjr_program() + " export " + run + " --format packed --out " + dir.file("l2.safetensors"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_command(bcjr_program() + " export " + run + " --format pt --out " + dir.file("l2.pt"));
  ASSERT_EQ(r.exit_code, 0) << r.out;

  const std::string eval = bcjr_program() + " eval --model default --data default --ctx 128 --max-windows 2";
  auto fp = run_command(eval);
  ASSERT_EQ(fp.exit_code, 0) << fp.out;
  auto packed = run_command(eval + " --packed " + dir.file("l2.safetensors"));
  ASSERT_EQ(packed.exit_code, 0) << packed.out;
  EXPECT_NE(packed.out.find("bits/weight"), std::string::npos) << packed.out;
  auto pt = run_command(eval + " --layer-weights " + dir.file("l2.pt") + " --layer 2");
  ASSERT_EQ(pt.exit_code, 0) << pt.out;

  EXPECT_DOUBLE_EQ(perplexity_in(packed.out), perplexity_in(pt.out));
  EXPECT_NE(perplexity_in(packed.out), perplexity_in(fp.out));

  auto bad = run_command(eval + " --packed " + dir.file("l2.pt"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("l2.pt"), std::string::npos) << bad.out;
}
