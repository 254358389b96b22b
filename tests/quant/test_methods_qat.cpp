// Every QAT method (bcjr, ste, jacquant, bbq, rtn) through the ordinary loop on a tiny random
// Llama: a run folder with the method recorded, metrics, results and snapshots; resume equal to an
// uninterrupted run (JacQuant's slopes and BBQ's scales are checkpointed); the exports of each.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/quant/export_run.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/scalar_linear.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

namespace {

std::vector<nlohmann::json> metrics_of(const std::string& dir) { return RunFolder::open(dir).read_metrics(); }

nlohmann::json results_of(const std::string& dir) {
  return nlohmann::json::parse(bcjr::read_file(dir + "/results.json"));
}

}  // namespace

class QatMethods : public ::testing::TestWithParam<const char*> {};

TEST_P(QatMethods, RunWritesAnOrdinaryRunFolder) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 3);
  // 400 ids: the held-out last 10% (40) still fill one perplexity window of 32.
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 4);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.method = parse_qat_method(GetParam());
  c.lr = 2e-2;
  c.lr_units = "weight";  // the rate every method moves codes at on this model
  c.jacquant.refresh_every = 1;
  auto out = QatSession::create(c, dir.file("run"))->run();
  ASSERT_EQ(out.perplexities.size(), 3u);
  auto manifest = RunFolder::open(dir.file("run")).read_manifest();
  EXPECT_EQ(manifest["config"]["method"].get<std::string>(), GetParam());
  auto results = results_of(dir.file("run"));
  EXPECT_EQ(results["method"].get<std::string>(), GetParam());
  ASSERT_EQ(results["qat"].size(), 7u);
  auto metrics = metrics_of(dir.file("run"));
  ASSERT_EQ(metrics.size(), 3u);
  int64_t flips = 0;
  for (const auto& l : metrics.back()["linears"]) {
    EXPECT_GE(l["flips"].get<int64_t>(), 0);
    EXPECT_GT(l["radius"].get<double>(), 0);
    flips += l["flips"].get<int64_t>();
    EXPECT_EQ(l.contains("slopes"), c.method == QatMethod::JacQuant);
  }
  EXPECT_GT(flips, 0) << "no code moved at this learning rate";
  // The hardened layer: its .pt snapshot and the method's own snapshot agree.
  auto snap = bcjr::model::read_layer_snapshot_pt(dir.file("run/snapshots/layer_0.pt"));
  const bool scalar = !is_trellis_method(c.method);
  EXPECT_EQ(std::filesystem::exists(dir.file("run/snapshots/scalar_quantized.ckpt")), scalar);
  EXPECT_EQ(std::filesystem::exists(dir.file("run/snapshots/quantized.ckpt")), !scalar);
  if (scalar) {
    auto q = load_scalar_linears(dir.file("run/snapshots/scalar_quantized.ckpt"));
    ASSERT_EQ(q.size(), 7u);
    EXPECT_LT((snap.weights.at("v_proj") - q.at({0, "v_proj"}).dequantize()).abs().max().item<double>(), 1e-6);
  }
  // Exports: pt and hf for every method; packed for the trellis methods only, with a clear refusal.
  auto pt = export_run(dir.file("run"), "pt", dir.file("l0.pt"));
  auto back = bcjr::model::read_layer_snapshot_pt(dir.file("l0.pt"));
  EXPECT_TRUE(back.weights.at("down_proj").equal(snap.weights.at("down_proj")));
  export_run(dir.file("run"), "hf", dir.file("hf"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("hf/model.safetensors")));
  if (scalar) {
    try {
      export_run(dir.file("run"), "packed", dir.file("p.safetensors"));
      ADD_FAILURE() << "packed export of a scalar method";
    } catch (const bcjr::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--format pt or --format hf"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("p.safetensors")));
  } else {
    auto p = export_run(dir.file("run"), "packed", dir.file("p.safetensors"));
    EXPECT_NE(p.details.find("bits/weight"), std::string::npos);
  }
}

// Resume equals uninterrupted also where the method carries state between steps.
TEST_P(QatMethods, ResumeEqualsUninterrupted) {
  if (std::string(GetParam()) == "bcjr") GTEST_SKIP() << "QatResume (test_qat.cpp) covers the default method";
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 5);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 200, 64, 6);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.method = parse_qat_method(GetParam());
  c.steps = 4;
  c.lr = 1e-2;
  c.lr_units = "weight";
  c.eval_before_after = false;
  c.jacquant.refresh_every = 3;  // the cut after step 1 falls between two refreshes
  QatSession::create(c, dir.file("a"))->run();
  auto b = QatSession::create(c, dir.file("b"));
  b->set_metrics_callback([&](const StepMetrics& m) {
    if (m.step == 1) b->cancel();
  });
  EXPECT_THROW(b->run(), bcjr::Cancelled);
  QatSession::resume(dir.file("b"))->run();
  auto ma = metrics_of(dir.file("a")), mb = metrics_of(dir.file("b"));
  ASSERT_EQ(ma.size(), 4u);
  ASSERT_EQ(mb.size(), 4u);
  for (size_t i = 0; i < ma.size(); ++i) {
    EXPECT_EQ(ma[i]["kl"], mb[i]["kl"]) << "step " << i;
    EXPECT_EQ(ma[i]["linears"], mb[i]["linears"]) << "step " << i;
  }
  EXPECT_EQ(results_of(dir.file("a"))["qat"], results_of(dir.file("b"))["qat"]);
}

INSTANTIATE_TEST_SUITE_P(Methods, QatMethods, ::testing::Values("bcjr", "ste", "jacquant", "bbq", "rtn"));

TEST(QatMethodsConfig, ScalarMethodsRefuseTheTrellisPtqAndThePosterior) {
  QatConfig c;
  c.method = QatMethod::Rtn;
  c.ptq_mode = "ldlq";
  EXPECT_THROW(c.validate(), bcjr::Error);
  auto j = QatConfig().to_json();
  EXPECT_EQ(j["method"].get<std::string>(), "bcjr");
  EXPECT_FALSE(j.contains("jacquant"));
  j.erase("method");  // a run.json written before the methods existed
  EXPECT_EQ(QatConfig::from_json(j, "old").method, QatMethod::Bcjr);
  j["method"] = "lsq";
  EXPECT_THROW(QatConfig::from_json(j, "run.json"), bcjr::Error);

  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 7);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 100, 64, 8);
  auto cfg = bcjr::test::tiny_qat_run(model, tokens);
  cfg.method = QatMethod::Bbq;
  cfg.steps = 2;
  cfg.eval_before_after = false;
  auto s = QatSession::create(cfg, dir.file("run"));
  std::string error;
  s->set_metrics_callback([&](const StepMetrics&) {
    try {
      s->tile_posterior(0, "q_proj", 0, 0.1);
    } catch (const bcjr::Error& e) {
      error = e.what();
    }
  });
  s->run();
  EXPECT_NE(error.find("only the trellis methods have tile posteriors"), std::string::npos) << error;
}

// JacQuant's slopes start at 1 (the STE) and move after a refresh; the metrics carry their
// distribution over the clip range.
TEST(QatMethodsJacQuant, SlopesStartAtOneAndAreRefreshed) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 9);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 200, 64, 10);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.method = QatMethod::JacQuant;
  c.steps = 3;
  c.eval_before_after = false;
  c.jacquant.refresh_every = 2;  // refreshed before steps 0 and 2
  auto s = QatSession::create(c, dir.file("run"));
  std::vector<StepMetrics> seen;
  s->set_metrics_callback([&](const StepMetrics& m) { seen.push_back(m); });
  s->run();
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& m : seen)
    for (const auto& l : m.linears) {
      const SlopeSummary& b = l.slopes;
      ASSERT_EQ(b.hist.size(), 30u);
      int64_t total = 0;
      for (auto n : b.hist) total += n;
      EXPECT_EQ(total, l.tiles);
      EXPECT_GE(b.min, c.jacquant.lo - 1e-6);
      EXPECT_LE(b.max, c.jacquant.hi + 1e-6);
      EXPECT_GT(b.probe, 0);
      EXPECT_GT(b.dither, 0);
      EXPECT_NE(b.mean, 1.0);  // one refresh with ema 0.5 moves it off the STE's 1
    }
  // Step 1 did not refresh: its slopes are step 0's.
  EXPECT_EQ(seen[0].linears[2].slopes.hist, seen[1].linears[2].slopes.hist);
  EXPECT_EQ(seen[0].linears[2].slopes.mean, seen[1].linears[2].slopes.mean);
}
