// BCJR-QAT with --device cuda against the same run on the CPU: the tiny random Llama of the quant
// tests (hyb L=8, exact tail-biting), PTQ, three training steps and hardening on each device. The
// PTQ paths must agree exactly (Viterbi has no temperature), the per-step KL, the perplexities and
// the hardened weights within fp32 rounding of two different reduction orders.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>

#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"
#include "tests/support/trellis_kernel_cases.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

TEST(QatCuda, TrainingOnTheGpuMatchesTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  TempDir dir;
  const uint64_t seed = bcjr::test::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), seed);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 4096, 64, seed + 1);
  QatConfig c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 3;
  c.multi_layer = "joint";
  c.layers = {0, 1};
  c.lr = 2e-4;  // the rate the path tolerance below was set at (the paper's, in weight units)
  c.lr_units = "weight";
  QatConfig g = c;
  g.device = "cuda";
  auto run = [&](const QatConfig& config, const std::string& name) {
    auto s = QatSession::create(config, dir.file(name));
    s->set_log_callback([name](const std::string& line) { std::printf("[%s] %s\n", name.c_str(), line.c_str()); });
    try {
      return s->run();
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " run: " << e.what();
      throw;
    }
  };
  auto out_cpu = run(c, "cpu");
  auto out_gpu = run(g, "gpu");

  ASSERT_EQ(out_cpu.perplexities.size(), 3u);
  ASSERT_EQ(out_gpu.perplexities.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out_cpu.perplexities[i].first, out_gpu.perplexities[i].first);
    EXPECT_NEAR(out_gpu.perplexities[i].second, out_cpu.perplexities[i].second, 1e-3 * out_cpu.perplexities[i].second)
        << out_cpu.perplexities[i].first;
  }
  const auto m_cpu = RunFolder::open(dir.file("cpu")).read_metrics();
  const auto m_gpu = RunFolder::open(dir.file("gpu")).read_metrics();
  ASSERT_EQ(m_cpu.size(), 3u);
  ASSERT_EQ(m_gpu.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const double a = m_cpu[i].at("kl").get<double>(), b = m_gpu[i].at("kl").get<double>();
    EXPECT_GT(a, 0);
    EXPECT_NEAR(b, a, 1e-3 * a + 1e-7) << "step " << i;
  }
  // PTQ is deterministic: the same paths from the CUDA Viterbi as from the CPU's.
  auto ptq_cpu = load_quantized_linears(dir.file("cpu/checkpoints/ptq.ckpt"), nullptr);
  auto ptq_gpu = load_quantized_linears(dir.file("gpu/checkpoints/ptq.ckpt"), nullptr);
  ASSERT_EQ(ptq_cpu.size(), 14u);
  for (const auto& kv : ptq_cpu)
    EXPECT_TRUE(torch::equal(kv.second.states, ptq_gpu.at(kv.first).states))
        << "layer " << kv.first.first << " " << kv.first.second;
  // After training, a path may differ only where W_latent sits on a Voronoi boundary to within
  // rounding: allow a thousandth of the trellis steps.
  auto q_cpu = load_quantized_linears(dir.file("cpu/snapshots/quantized.ckpt"), nullptr);
  auto q_gpu = load_quantized_linears(dir.file("gpu/snapshots/quantized.ckpt"), nullptr);
  for (const auto& kv : q_cpu) {
    const auto diff = kv.second.states.ne(q_gpu.at(kv.first).states).sum().item<int64_t>();
    EXPECT_LE(diff, kv.second.states.numel() / 1000 + 1) << "layer " << kv.first.first << " " << kv.first.second;
  }
}
