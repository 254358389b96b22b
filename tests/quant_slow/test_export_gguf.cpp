// The hf export of a run on the default model (a GGUF file), end to end: PTQ of layer 4 (at L=8 so
// that it takes a minute, not an hour), exported as a Hugging Face folder that carries the
// tokenizer converted from the GGUF's metadata. `bcjr eval` of the folder alone (its config, its
// tokenizer.json, its weights; no GGUF) gives the run's own PTQ perplexity on the held-out part of
// the default text, to the last bit.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/quant/export_run.h"
#include "engine/quant/qat_session.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

TEST(ExportGguf, HfFolderOfTheDefaultModelStandsAlone) {
  TempDir dir;
  QatConfig c;  // the default model and text, split: the last 10% of the lines held out
  c.layers = {4};
  c.steps = 0;
  c.quant.L = 8;
  c.window = 256;
  c.calib_windows = 1;
  c.eval_ctx = 256;
  c.eval_windows = 2;
  QatSession::create(c, dir.file("run"))->run();
  const auto results = nlohmann::json::parse(bcjr::read_file(dir.file("run/results.json")));
  double ptq = -1;
  for (const auto& f : results.at("perplexity"))
    if (f.at("label") == "PTQ") ptq = f.at("ppl").get<double>();
  ASSERT_GT(ptq, 0);

  export_run(dir.file("run"), "hf", dir.file("hf"));
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                        "special_tokens_map.json", "README.md"})
    EXPECT_TRUE(std::filesystem::exists(dir.file("hf/") + f)) << f;
  auto r = bcjr::test::run_command(bcjr::test::bcjr_program() + " eval --model " + dir.file("hf") +
                                   " --data default --part held-out --ctx 256 --max-windows 2 --json " +
                                   dir.file("eval.json") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(hf)"), std::string::npos) << r.out;  // read as a Hugging Face folder
  const auto eval = nlohmann::json::parse(bcjr::read_file(dir.file("eval.json")));
  EXPECT_EQ(eval.at("ppl").get<double>(), ptq) << r.out;
  EXPECT_EQ(eval.at("protocol").at("sha256"), results.at("protocol").at("sha256"));
}
