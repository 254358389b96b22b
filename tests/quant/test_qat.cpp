// BCJR-QAT on a tiny random Llama with a small trellis (hyb L=8, k=2, V=2): gradients of the
// soft-quantised weight, PTQ, codeword flips, a short run lowering the KL, resume equal to an
// uninterrupted run, the multi-layer modes and the session's controls.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/model/model_loader.h"
#include "engine/quant/ptq.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/soft_quantized_weight.h"
#include "engine/quant/tiles.h"
#include "engine/trellis/bitstream.h"
#include "engine/trellis/viterbi.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

namespace {

TrellisCode small_code() { return bcjr::test::small_trellis_code(); }

std::vector<double> kl_of(const RunFolder& run) {
  std::vector<double> kl;
  for (const auto& j : run.read_metrics()) kl.push_back(j.at("kl").get<double>());
  return kl;
}

}  // namespace

TEST(SoftQuantizedWeight, GradientReachesLatentAndMatchesFiniteDifferences) {
  torch::manual_seed(21);
  auto code = small_code();
  auto w = torch::randn({32, 64}) * 0.1;
  auto r = ptq_linear(w, torch::Tensor(), 0, "gate_proj", PtqMode::Rht, code, 5);
  auto g = torch::randn({32, 64});
  const double T = 0.3;
  auto latent = (w.clone() + 0.01 * torch::randn({32, 64})).set_requires_grad(true);
  auto loss = (soft_quantized_weight(latent, r.q, code, T) * g).sum();
  loss.backward();
  ASSERT_TRUE(latent.grad().defined());
  EXPECT_GT(latent.grad().abs().sum().item<double>(), 0);
  // Directional derivatives along random directions, central differences in fp32.
  for (int trial = 0; trial < 3; ++trial) {
    auto d = torch::randn({32, 64});
    d /= d.norm();
    const double eps = 2e-3;
    torch::NoGradGuard ng;
    double plus = (soft_quantized_weight(latent.detach() + eps * d, r.q, code, T) * g).sum().item<double>();
    double minus = (soft_quantized_weight(latent.detach() - eps * d, r.q, code, T) * g).sum().item<double>();
    double fd = (plus - minus) / (2 * eps);
    double an = (latent.grad() * d).sum().item<double>();
    EXPECT_NEAR(an, fd, 0.03 * std::abs(fd) + 2e-2) << "trial " << trial;
  }
}

TEST(Ptq, RhtPathsReconstructAndFlipsAreZeroWhenUnchanged) {
  torch::manual_seed(22);
  auto code = small_code();
  auto w = torch::randn({32, 48}) * 0.05;
  auto r = ptq_linear(w, torch::Tensor(), 1, "q_proj", PtqMode::Rht, code, 9);
  EXPECT_EQ(r.q.states.size(0), (32 / 16) * (48 / 16));
  EXPECT_EQ(r.q.states.size(1), 128);
  EXPECT_EQ(r.q.method, "tailbiting-exact");
  // The reconstruction is the codeword of the paths mapped back; its normalised tiles are codewords.
  auto tiles = normalised_tiles(r.q.rht(), r.q.scale, r.reconstruction);
  auto cw = bcjr::trellis::codeword_from_states(r.q.states, code.spec, *code.codebook);
  EXPECT_LT((tiles - cw).abs().max().item<double>(), 1e-5);
  // Normalised weights have the code's target RMS.
  auto w_norm = normalised_tiles(r.q.rht(), r.q.scale, w);
  EXPECT_NEAR(std::sqrt(w_norm.pow(2).mean().item<double>()), code.target_rms, 1e-4);
  EXPECT_GT(r.mse, 0);
  EXPECT_LT(r.normalised_mse, w_norm.pow(2).mean().item<double>());
  // W_latent = PTQ reconstruction, hardened again: no flips.
  auto f = count_flips(harden(r.q, code, r.reconstruction), r.q.states);
  EXPECT_EQ(f.steps, 0);
  EXPECT_EQ(f.tiles, 0);
}

TEST(Ptq, LdlqUsesTheHessianAndReportsProxyError) {
  torch::manual_seed(23);
  auto code = small_code();
  auto w = torch::randn({32, 64}) * 0.05;
  auto x = torch::randn({512, 64}) * torch::linspace(0.1, 3.0, 64);
  auto h = x.t().mm(x) / 512.0;
  auto rht = ptq_linear(w, h, 0, "up_proj", PtqMode::Rht, code, 3);
  auto ldlq = ptq_linear(w, h, 0, "up_proj", PtqMode::Ldlq, code, 3);
  EXPECT_GT(rht.proxy_error, 0);
  EXPECT_GT(ldlq.proxy_error, 0);
  // Same signs and scale; different paths, and LDLQ's proxy error is the lower one on this
  // strongly anisotropic Hessian.
  EXPECT_TRUE(ldlq.q.signs_in.equal(rht.q.signs_in));
  EXPECT_FALSE(ldlq.q.states.equal(rht.q.states));
  EXPECT_LT(ldlq.proxy_error, rht.proxy_error);
  EXPECT_THROW(ptq_linear(w, torch::Tensor(), 0, "up_proj", PtqMode::Ldlq, code, 3), bcjr::Error);
  EXPECT_THROW(ptq_linear(torch::randn({20, 64}), torch::Tensor(), 0, "up_proj", PtqMode::Rht, code, 3), bcjr::Error);
}

TEST(Flips, PlantedChangeIsCountedRight) {
  torch::manual_seed(24);
  auto code = small_code();
  auto w = torch::randn({32, 32}) * 0.05;
  auto r = ptq_linear(w, torch::Tensor(), 0, "o_proj", PtqMode::Rht, code, 4);
  // Plant a new legal tail-biting path in tile 2: flip the first bit of its bitstream. That bit
  // lies in L / kV = 2 of the tile's state windows, so exactly 2 trellis steps change.
  const int64_t tile = 2;
  auto bits = bcjr::trellis::pack_bitstream(r.q.states, code.spec);
  bits[tile][0] = bits[tile][0].item<int32_t>() ^ 0x8000;
  auto planted = bcjr::trellis::unpack_bitstream(bits, code.spec);
  ASSERT_EQ(planted.ne(r.q.states).sum().item<int64_t>(), 2);
  auto cw = bcjr::trellis::codeword_from_states(planted, code.spec, *code.codebook);
  auto w_planted = from_normalised_tiles(r.q.rht(), r.q.scale, cw);
  auto hard = harden(r.q, code, w_planted);
  EXPECT_TRUE(hard.equal(planted));
  auto f = count_flips(hard, r.q.states);
  EXPECT_EQ(f.steps, 2);
  EXPECT_EQ(f.tiles, 1);
}

TEST(QatSession, ThreeStepsLowerTheKl) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 1);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 32, 64, 2);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.window = 32;  // the whole stream: every step sees the same window, so only W_latent changes
  c.held_out = 0;  // ... which also scores the perplexities (no tokens to hold out)
  c.schedule = TemperatureSchedule::constant(0.1);
  c.lr = 5e-3;
  c.lr_units = "weight";
  std::vector<StepMetrics> seen;
  auto s = QatSession::create(c, dir.file("run"));
  s->set_metrics_callback([&](const StepMetrics& m) { seen.push_back(m); });
  auto out = s->run();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_LT(seen[2].kl, seen[0].kl);
  EXPECT_GT(seen[0].kl, 0);
  for (const auto& m : seen) {
    EXPECT_EQ(m.linears.size(), 7u);
    EXPECT_NEAR(m.T, 0.1, 1e-12);
    EXPECT_GT(m.grad_norm, 0);
    for (const auto& l : m.linears) {
      EXPECT_GT(l.radius, 0);
      EXPECT_GE(l.flips, 0);
      EXPECT_GE(l.drift_path, l.drift_rms - 1e-9);  // the path is at least as long as the net drift
    }
  }
  EXPECT_GT(seen[2].linears[0].drift_rms, 0);
  // FP, PTQ and QAT perplexities, metrics lines and snapshots in the run folder.
  ASSERT_EQ(out.perplexities.size(), 3u);
  auto run = RunFolder::open(dir.file("run"));
  EXPECT_EQ(kl_of(run).size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/snapshots/layer_0.pt")));
  auto manifest = run.read_manifest();
  EXPECT_EQ(manifest["data"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(manifest["build"].contains("version"));
  // The .pt snapshot is the hardened layer.
  QuantParams p;
  auto hardened = load_quantized_linears(dir.file("run/snapshots/quantized.ckpt"), &p);
  auto snap = bcjr::model::read_layer_snapshot_pt(dir.file("run/snapshots/layer_0.pt"));
  auto code = TrellisCode::make(p);
  EXPECT_LT((snap.weights.at("q_proj") - dequantize(hardened.at({0, "q_proj"}), code)).abs().max().item<double>(), 1e-6);
}

// Also with per-linear learning rates (--lr-units normalised: one AdamW parameter group per
// linear, whose state must come back from the checkpoint group by group).
class QatResume : public ::testing::TestWithParam<const char*> {};

TEST_P(QatResume, ResumeEqualsUninterrupted) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 3);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 4);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 4;
  c.lr_units = GetParam();
  c.lr = c.lr_units == "weight" ? 2e-3 : 2e-2;
  QatSession::create(c, dir.file("a"))->run();

  auto b = QatSession::create(c, dir.file("b"));
  b->set_metrics_callback([&](const StepMetrics& m) {
    if (m.step == 1) b->cancel();
  });
  EXPECT_THROW(b->run(), bcjr::Cancelled);
  EXPECT_EQ(kl_of(RunFolder::open(dir.file("b"))).size(), 2u);
  QatSession::resume(dir.file("b"))->run();

  auto ka = kl_of(RunFolder::open(dir.file("a"))), kb = kl_of(RunFolder::open(dir.file("b")));
  ASSERT_EQ(ka.size(), 4u);
  ASSERT_EQ(kb.size(), 4u);
  for (size_t i = 0; i < ka.size(); ++i) EXPECT_EQ(ka[i], kb[i]) << "step " << i;
  QuantParams p;
  auto qa = load_quantized_linears(dir.file("a/snapshots/quantized.ckpt"), &p);
  auto qb = load_quantized_linears(dir.file("b/snapshots/quantized.ckpt"), &p);
  ASSERT_EQ(qa.size(), qb.size());
  for (const auto& kv : qa) EXPECT_TRUE(kv.second.states.equal(qb.at(kv.first).states)) << linear_label(kv.first);
  // W_latent at the end, bit for bit.
  auto last = RunFolder::open(dir.file("a")).latest_checkpoint();
  auto last_b = RunFolder::open(dir.file("b")).latest_checkpoint();
  EXPECT_EQ(bcjr::read_file(dir.file("a/results.json")).size() > 0, true);
  EXPECT_EQ(std::filesystem::path(last).filename(), std::filesystem::path(last_b).filename());
  auto ra = nlohmann::json::parse(bcjr::read_file(dir.file("a/results.json")));
  auto rb = nlohmann::json::parse(bcjr::read_file(dir.file("b/results.json")));
  EXPECT_EQ(ra["perplexity"], rb["perplexity"]);
  EXPECT_EQ(ra["qat"], rb["qat"]);
}
INSTANTIATE_TEST_SUITE_P(LrUnits, QatResume, ::testing::Values("weight", "normalised"));

TEST(QatSession, GreedyAndIndependentTrainEachLayerInTurn) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 5);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 100, 64, 6);
  for (const char* mode : {"greedy", "independent", "joint"}) {
    auto c = bcjr::test::tiny_qat_run(model, tokens);
    c.layers = {1, 0};
    c.steps = 2;
    c.multi_layer = mode;
    c.eval_before_after = false;
    std::vector<StepMetrics> seen;
    auto s = QatSession::create(c, dir.file(std::string("run_") + mode));
    s->set_metrics_callback([&](const StepMetrics& m) { seen.push_back(m); });
    s->run();
    const bool joint = std::string(mode) == "joint";
    ASSERT_EQ(seen.size(), joint ? 2u : 4u) << mode;
    if (!joint) {
      EXPECT_EQ(seen[0].linears[0].layer, 1) << mode;  // layers in the order given
      EXPECT_EQ(seen[2].linears[0].layer, 0) << mode;
      EXPECT_EQ(seen[2].phase, 1);
      EXPECT_EQ(seen[2].phase_step, 0);
    } else {
      EXPECT_EQ(seen[0].linears.size(), 14u);
    }
    QuantParams p;
    EXPECT_EQ(load_quantized_linears(dir.file(std::string("run_") + mode + "/snapshots/quantized.ckpt"), &p).size(), 14u);
  }
  // Greedy and independent see the same first phase; layer 0's phase differs because greedy
  // trains it with layer 1 already hardened.
  auto g = kl_of(RunFolder::open(dir.file("run_greedy"))), i = kl_of(RunFolder::open(dir.file("run_independent")));
  EXPECT_EQ(g[0], i[0]);
  EXPECT_NE(g[2], i[2]);
}

TEST(QatSession, PauseCancelScheduleAndPosterior) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 7);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 100, 64, 8);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 30;  // far more than run before the cancel below arrives
  c.eval_before_after = false;
  auto s = QatSession::create(c, dir.file("run"));
  EXPECT_THROW(s->tile_posterior(0, "q_proj", 0, 0.1), bcjr::Error);
  std::atomic<int> steps{0};
  std::vector<double> temps;
  s->set_metrics_callback([&](const StepMetrics& m) {
    temps.push_back(m.T);
    if (m.step == 0) s->pause();
    ++steps;
  });
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      s->run();
    } catch (...) {
      error = std::current_exception();
    }
  });
  while (steps.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(steps.load(), 1);  // paused after step 0
  EXPECT_TRUE(s->paused());
  auto v = s->tile_posterior(0, "k_proj", 1, 0.2);
  EXPECT_EQ(v.steps, 128);
  EXPECT_EQ(v.symbols, 16);
  ASSERT_EQ(v.marginals.size(), size_t(128 * 16));
  for (int t = 0; t < v.steps; t += 31) {
    double sum = 0;
    for (int u = 0; u < v.symbols; ++u) sum += v.marginals[size_t(t * v.symbols + u)];
    EXPECT_NEAR(sum, 1.0, 1e-4);
  }
  EXPECT_EQ(v.target.size(), 256u);
  EXPECT_EQ(v.viterbi_symbols.size(), 128u);
  EXPECT_THROW(s->tile_posterior(0, "k_proj", 999, 0.2), bcjr::Error);
  s->replace_schedule(TemperatureSchedule::constant(0.07));
  s->unpause();
  while (steps.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  s->cancel();
  worker.join();
  ASSERT_TRUE(error);
  EXPECT_THROW(std::rethrow_exception(error), bcjr::Cancelled);
  ASSERT_GE(temps.size(), 2u);
  EXPECT_NEAR(temps[1], 0.07, 1e-12);  // the replaced schedule from the next step on
  EXPECT_NE(bcjr::read_file(dir.file("run/log.txt")).find("schedule replaced"), std::string::npos);
}

// --device is a checked field of the configuration, kept in run.json; a run.json without it (written
// before the field existed) means the CPU. Asking for CUDA where there is none fails before any work.
TEST(QatSession, DeviceIsValidatedRecordedAndRefusedWithoutCuda) {
  QatConfig c;
  EXPECT_EQ(c.device, "cpu");
  c.device = "tpu";
  try {
    c.validate();
    ADD_FAILURE() << "device tpu accepted";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("--device 'tpu'"), std::string::npos) << e.what();
  }
  c.device = "cuda";
  auto j = c.to_json();
  EXPECT_EQ(j.at("device").get<std::string>(), "cuda");
  EXPECT_EQ(QatConfig::from_json(j, "test").device, "cuda");
  j.erase("device");
  EXPECT_EQ(QatConfig::from_json(j, "test").device, "cpu");
  if (torch::cuda::is_available()) return;  // the GPU suite runs such a session (tests/gpu/test_qat_cuda.cpp)
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 3);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 256, 64, 4);
  auto cfg = bcjr::test::tiny_qat_run(model, tokens);
  cfg.device = "cuda";
  auto s = QatSession::create(cfg, dir.file("run"));
  try {
    s->run();
    ADD_FAILURE() << "a CUDA run started without a CUDA device";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
  }
}

// The first AdamW step moves every weight by lr (times its sign of the gradient), so its drift in
// the normalised RHT domain is lr / scale in weight units and lr itself in normalised units, for
// every linear whatever its scale.
TEST(QatSession, NormalisedLearningRateMovesEveryLinearByLrInTrellisUnits) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 5);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 256, 64, 6);
  for (const std::string units : {"weight", "normalised"}) {
    auto c = bcjr::test::tiny_qat_run(model, tokens);
    c.steps = 1;
    c.lr = 1e-3;
    c.weight_decay = 0;
    c.lr_units = units;
    c.eval_before_after = false;
    std::vector<StepMetrics> seen;
    auto s = QatSession::create(c, dir.file("run-" + units));
    s->set_metrics_callback([&](const StepMetrics& m) { seen.push_back(m); });
    s->run();
    ASSERT_EQ(seen.size(), 1u);
    for (const auto& l : seen[0].linears) {
      // predicted = steps x (the linear's lr) / scale: lr / scale in weight units, lr in normalised.
      if (units == "normalised") EXPECT_NEAR(l.predicted, c.lr, 1e-12) << l.linear;
      else EXPECT_GT(std::abs(l.predicted - c.lr), 0.1 * c.lr) << l.linear;  // scales differ from 1 here
      const double expected = l.predicted;
      EXPECT_GT(l.drift_rms, 0.8 * expected) << units << " " << l.linear;
      EXPECT_LT(l.drift_rms, 1.001 * expected) << units << " " << l.linear;
    }
  }
}
