// The other QAT methods with --device cuda against the same run on the CPU (the tiny random Llama
// of the quant tests): the hard Viterbi forward of ste and jacquant, JacQuant's estimators (their
// random numbers are drawn on the CPU, so both devices see the same), and the scalar baselines'
// torch ops. Per-step KL and perplexities agree within fp32 rounding of different reduction
// orders. Then `bcjr compare`'s engine on the GPU, whose table reports the CUDA allocator's peak.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "engine/quant/method_compare.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_folder.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"
#include "tests/support/trellis_kernel_cases.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

class MethodsCuda : public ::testing::TestWithParam<const char*> {};

TEST_P(MethodsCuda, TrainingOnTheGpuMatchesTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  TempDir dir;
  const uint64_t seed = bcjr::test::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), seed);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 4096, 64, seed + 1);
  QatConfig c = bcjr::test::tiny_qat_run(model, tokens);
  c.method = parse_qat_method(GetParam());
  c.steps = 3;
  c.lr = 1e-2;
  c.jacquant.refresh_every = 1;
  QatConfig g = c;
  g.device = "cuda";
  auto out_cpu = QatSession::create(c, dir.file("cpu"))->run();
  auto out_gpu = QatSession::create(g, dir.file("gpu"))->run();
  ASSERT_EQ(out_cpu.perplexities.size(), 3u);
  ASSERT_EQ(out_gpu.perplexities.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(out_gpu.perplexities[i].second, out_cpu.perplexities[i].second, 1e-3 * out_cpu.perplexities[i].second)
        << out_cpu.perplexities[i].first;
  const auto m_cpu = RunFolder::open(dir.file("cpu")).read_metrics();
  const auto m_gpu = RunFolder::open(dir.file("gpu")).read_metrics();
  ASSERT_EQ(m_cpu.size(), 3u);
  ASSERT_EQ(m_gpu.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const double a = m_cpu[i].at("kl").get<double>(), b = m_gpu[i].at("kl").get<double>();
    EXPECT_NEAR(b, a, 1e-3 * a + 1e-7) << "step " << i;
    if (c.method != QatMethod::JacQuant) continue;
    // Slopes: the same estimates up to rounding (a dither sample that lands on a Voronoi boundary
    // may flip one tile's path on one device only, so compare the means over each linear).
    const auto& lc = m_cpu[i].at("linears"), &lg = m_gpu[i].at("linears");
    ASSERT_EQ(lc.size(), lg.size());
    for (size_t j = 0; j < lc.size(); ++j)
      EXPECT_NEAR(lg[j].at("slopes").at("mean").get<double>(), lc[j].at("slopes").at("mean").get<double>(), 0.05)
          << "step " << i << " " << lc[j].at("linear");
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, MethodsCuda, ::testing::Values("ste", "jacquant", "bbq", "rtn"));

TEST(MethodsCuda, CompareOnTheGpuReportsDeviceMemory) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 3);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 600, 64, 4);
  CompareOptions o;
  o.base = bcjr::test::tiny_qat_run(model, tokens);
  o.base.device = "cuda";
  o.base.steps = 2;
  o.base.lr = 1e-2;
  auto out = run_comparison(o, dir.file("cmp"), {});
  ASSERT_EQ(out.rows.size(), 5u);
  for (const auto& r : out.rows) {
    EXPECT_GT(r.peak_device_mb, 0) << r.name;
    EXPECT_GT(r.ppl_qat, 0) << r.name;
    EXPECT_GE(r.kl_qat, 0) << r.name;
  }
}
