#include <gtest/gtest.h>

#include "bcjr/version.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::run_command;

TEST(Cli, VersionAndHelp) {
  auto v = run_command(bcjr_program() + " --version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find(bcjr::kVersion), std::string::npos);
  auto h = run_command(bcjr_program() + " --help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("assets"), std::string::npos);
  auto sub = run_command(bcjr_program() + " assets --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("usage: bcjr assets"), std::string::npos);
}

TEST(Cli, BadCommandsAndOptionsFailWithOneLineReason) {
  auto r = run_command(bcjr_program() + " frobnicate");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos);
  r = run_command(bcjr_program() + " assets --bogus 3");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("unknown option --bogus"), std::string::npos);
  r = run_command(bcjr_program() + " assets --threads many");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--threads expects an integer"), std::string::npos);
}

TEST(Cli, AssetsReportsMissingAssetsInAnEmptyHome) {
  bcjr::test::TempDir home;
  auto r = run_command("BCJR_HOME=" + home.path() + " " + bcjr_program() + " assets");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("missing"), std::string::npos);
}
