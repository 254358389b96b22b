// `bcjr train --method` and `bcjr compare` as a user runs them, on the tiny random Llama: every
// method trains to an ordinary run folder, the comparison writes its tables with one row per
// method, and running the same command again keeps the finished runs instead of redoing them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::run_command;

namespace {

std::string tiny_flags(const std::string& model, const std::string& tokens) {
  return " --model " + model + " --data " + tokens +
         " --layers 0 --L 8 --window 32 --calib-windows 4 --eval-ctx 32 --eval-windows 4 --lr 1e-2 --lr-units weight"
         " --held-out 0";  // in-sample perplexity: 300 ids hold out too few for 4 windows
}

int lines(const std::string& text) {
  int n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

}  // namespace

TEST(CliMethods, TrainRecordsTheMethodAndRejectsAnUnknownOne) {
  bcjr::test::TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 2);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 300, 64, 3);
  auto r = run_command(bcjr_program() + " train --method rtn --steps 2" + tiny_flags(model, tokens) + " --out " +
                       dir.file("run"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(method rtn)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("codes in"), std::string::npos) << r.out;
  auto manifest = nlohmann::json::parse(bcjr::read_file(dir.file("run/run.json")));
  EXPECT_EQ(manifest["config"]["method"], "rtn");
  r = run_command(bcjr_program() + " export " + dir.file("run") + " --format packed --out " + dir.file("p.safetensors"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("scalar quantiser"), std::string::npos) << r.out;
  r = run_command(bcjr_program() + " train --method lsq" + tiny_flags(model, tokens) + " --out " + dir.file("bad"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--method 'lsq'"), std::string::npos) << r.out;
}

TEST(CliMethods, CompareRunsEveryMethodAndKeepsFinishedRuns) {
  bcjr::test::TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 4);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 300, 64, 5);
  auto val = bcjr::test::write_token_ids(dir.file("val.npy"), 200, 64, 6);
  const std::string cmd = bcjr_program() + " compare --methods bcjr,ste,jacquant,bbq,rtn --steps 2 --seeds 0" +
                          tiny_flags(model, tokens) + " --method-lr bbq=5e-3 --out " + dir.file("cmp");
  auto r = run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string md = bcjr::read_file(dir.file("cmp/compare.md")), csv = bcjr::read_file(dir.file("cmp/compare.csv"));
  EXPECT_EQ(lines(csv), 1 + 5) << csv;
  for (const char* run : {"bcjr-lr0.01-s0", "ste-lr0.01-s0", "jacquant-lr0.01-s0", "bbq-lr0.005-s0", "rtn-lr0.01-s0"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("cmp/runs/") + run + "/metrics.jsonl"))) << run;
    EXPECT_NE(md.find(run), std::string::npos) << run;
  }
  EXPECT_NE(md.find("ctx 32, 4 windows, 124 tokens scored"), std::string::npos) << md;
  EXPECT_NE(md.find("dtype float32"), std::string::npos) << md;
  EXPECT_NE(md.find("lowest mean QAT perplexity"), std::string::npos) << md;
  // The same command again: every run is kept, the table is the same.
  r = run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("running "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kept jacquant-lr0.01-s0"), std::string::npos) << r.out;
  EXPECT_EQ(bcjr::read_file(dir.file("cmp/compare.csv")), csv);
  // Tuning needs its own validation text.
  r = run_command(cmd + " --tune-lrs 1e-3,1e-2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--tune-data"), std::string::npos) << r.out;
  r = run_command(bcjr_program() + " compare --methods rtn,bbq --steps 1 --seeds 0,1" + tiny_flags(model, tokens) +
                  " --tune-lrs 1e-3,1e-2 --tune-data " + val + " --out " + dir.file("tuned"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string tuned = bcjr::read_file(dir.file("tuned/compare.md"));
  EXPECT_NE(tuned.find("## Tuning"), std::string::npos) << tuned;
  EXPECT_NE(r.out.find("tuned lr of rtn"), std::string::npos) << r.out;
}
