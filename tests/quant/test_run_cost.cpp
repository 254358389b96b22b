// The run-cost estimate's arithmetic: tiles of a layer, BCJR state-steps, the exact tail-biting
// multiplier, phases, and the measured rates it reads.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/model/llama_flops.h"
#include "engine/model/llama_random.h"
#include "engine/quant/run_cost.h"
#include "tests/quant/tiny_model.h"

using namespace bcjr;
using namespace bcjr::quant;

namespace {
model::LlamaConfig smollm2() { return model::smollm2_135m_config(); }
}  // namespace

TEST(RunCost, CountsTilesAndStateStepsOfTheDefaultModel) {
  QatConfig c;
  const auto m = smollm2();
  EXPECT_EQ(model::llama_layer_linear_params(m), 3538944);  // q, k, v, o, gate, up, down of 576 / 1536
  auto r = estimate_run_cost(c, m, 56651);
  EXPECT_EQ(r.tiles_per_step, 13824);
  EXPECT_EQ(r.tiles_total, 13824);
  EXPECT_EQ(r.overlaps, 4096);
  EXPECT_FALSE(r.bcjr_exact);  // L = 16: auto conditions on the fixed overlap
  EXPECT_EQ(r.bcjr_multiplier, 1);
  EXPECT_DOUBLE_EQ(r.bcjr_state_steps, 2.0 * 13824 * 128 * 65536);
  EXPECT_GT(r.seconds_per_step, 0);
  EXPECT_GT(r.memory_bytes, 4.0 * 134e6);  // at least the model in fp32
  for (const auto& w : r.warnings) EXPECT_EQ(w.find("multiplies"), std::string::npos) << w;
  // Two layers: a joint step trains both, an independent step one.
  c.layers = {4, 8};
  EXPECT_EQ(estimate_run_cost(c, m, 0).tiles_per_step, 27648);
  c.multi_layer = "independent";
  auto ind = estimate_run_cost(c, m, 0);
  EXPECT_EQ(ind.tiles_per_step, 13824);
  EXPECT_EQ(ind.tiles_total, 27648);
}

TEST(RunCost, ExactTailBitingMultipliesTheBcjrAndSaysSo) {
  QatConfig c;
  c.quant.L = 10;  // 2^(L-kV) = 64 overlaps: auto runs exactly
  const auto m = smollm2();
  auto exact = estimate_run_cost(c, m, 0);
  EXPECT_TRUE(exact.bcjr_exact);
  EXPECT_EQ(exact.bcjr_multiplier, 64);
  EXPECT_DOUBLE_EQ(exact.bcjr_state_steps, 2.0 * 13824 * 128 * 1024 * 64);
  ASSERT_FALSE(exact.warnings.empty());
  EXPECT_NE(exact.warnings[0].find("multiplies the BCJR cost by 64"), std::string::npos) << exact.warnings[0];
  c.quant.tailbiting_bcjr = "fixed-overlap";
  auto fixed = estimate_run_cost(c, m, 0);
  EXPECT_FALSE(fixed.bcjr_exact);
  EXPECT_NEAR(exact.seconds_bcjr / fixed.seconds_bcjr, 64.0, 1e-9);
  EXPECT_GT(fixed.seconds_viterbi, 0);  // the overlap comes from a tail-biting Viterbi
  c.quant.boundary = "free";
  EXPECT_FALSE(estimate_run_cost(c, m, 0).bcjr_exact);
  // Exact at L = 16 is allowed, and priced: 4096 sweeps per tile.
  c.quant.boundary = "tailbiting";
  c.quant.L = 16;
  c.quant.tailbiting_bcjr = "exact";
  EXPECT_EQ(estimate_run_cost(c, m, 0).bcjr_multiplier, 4096);
}

TEST(RunCost, EvaluationsAndStepsAddUp) {
  QatConfig c;
  c.quant.L = 8;
  c.quant.tailbiting_bcjr = "fixed-overlap";
  c.window = 256;
  c.eval_ctx = 256;
  c.eval_windows = 4;
  const auto m = smollm2();
  auto quiet = estimate_run_cost(c, m, 300000);
  c.eval_every = 2;
  auto evals = estimate_run_cost(c, m, 300000);
  EXPECT_EQ(quiet.seconds_eval, 0);
  EXPECT_GT(evals.seconds_eval, 0);
  EXPECT_NEAR(evals.seconds_per_step - quiet.seconds_per_step, evals.seconds_eval, 1e-9);
  EXPECT_GT(evals.seconds_total, evals.seconds_setup + 9 * evals.seconds_per_step);
  c.steps = 0;  // PTQ only
  auto ptq = estimate_run_cost(c, m, 300000);
  EXPECT_NEAR(ptq.seconds_total, ptq.seconds_setup, 1e-9);
}

TEST(RunCost, TheMethodDecidesWhatRuns) {
  QatConfig c;
  c.quant.L = 8;
  c.quant.tailbiting_bcjr = "fixed-overlap";
  c.flips_every = 0;
  const auto m = smollm2();
  const auto bcjr = estimate_run_cost(c, m, 0);
  const double viterbi_pass = bcjr.seconds_viterbi;  // the overlap: one tail-biting Viterbi of the step's tiles
  ASSERT_GT(viterbi_pass, 0);
  // STE: no BCJR, the forward's hard Viterbi codeword instead of the overlap's.
  c.method = QatMethod::Ste;
  const auto ste = estimate_run_cost(c, m, 0);
  EXPECT_EQ(ste.bcjr_state_steps, 0);
  EXPECT_EQ(ste.seconds_bcjr, 0);
  EXPECT_FALSE(ste.bcjr_exact);
  EXPECT_NEAR(ste.seconds_viterbi, viterbi_pass, 1e-12);
  EXPECT_NEAR(ste.seconds_model, bcjr.seconds_model, 1e-12);
  EXPECT_LT(ste.seconds_per_step, bcjr.seconds_per_step);
  EXPECT_NE(ste.bcjr_method.find("no BCJR"), std::string::npos) << ste.bcjr_method;
  // JacQuant: plus (2K + M) / R passes for the slopes (defaults: 4 every 2 steps).
  c.method = QatMethod::JacQuant;
  EXPECT_NEAR(estimate_run_cost(c, m, 0).seconds_viterbi, 3 * viterbi_pass, 1e-12);
  c.jacquant.refresh_every = 1;
  c.jacquant.probes = 2;
  EXPECT_NEAR(estimate_run_cost(c, m, 0).seconds_viterbi, 7 * viterbi_pass, 1e-12);
  // The scalar baselines: the model alone, no PTQ Viterbi, no exact-mode warnings.
  c.quant.tailbiting_bcjr = "exact";
  for (QatMethod s : {QatMethod::Rtn, QatMethod::Bbq}) {
    c.method = s;
    c.flips_every = 1;
    const auto r = estimate_run_cost(c, m, 0);
    EXPECT_EQ(r.seconds_bcjr + r.seconds_viterbi, 0) << qat_method_name(s);
    EXPECT_NEAR(r.seconds_per_step, r.seconds_model, 1e-12);
    EXPECT_LT(r.seconds_setup, bcjr.seconds_setup);  // no Viterbi PTQ of every tile
    EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];
    EXPECT_NE(r.bcjr_method.find("no trellis"), std::string::npos);
  }
}

TEST(RunCost, RatesInterpolateInLAndNameTheirSource) {
  std::vector<double> v(17, 0.0);
  v[8] = 1e8;
  v[12] = 1e6;
  EXPECT_DOUBLE_EQ(rate_at(v, 8), 1e8);
  EXPECT_NEAR(rate_at(v, 10), 1e7, 1e-3);
  EXPECT_DOUBLE_EQ(rate_at(v, 4), 1e8);   // held below the first
  EXPECT_DOUBLE_EQ(rate_at(v, 16), 1e6);  // and beyond the last
  EXPECT_NE(cpu_reference_rates().source.find("bench/run_cost_rates"), std::string::npos);
  EXPECT_NE(h200_rates().source.find("H200"), std::string::npos);
  for (int L : {6, 8, 10, 12}) EXPECT_GT(rate_at(cpu_reference_rates().bcjr_vjp, L), 0) << L;
  QatConfig c;
  c.device = "cuda";
  c.quant.L = 12;
  auto gpu = estimate_run_cost(c, bcjr::test::tiny_qat_config(), 0);
  ASSERT_FALSE(gpu.warnings.empty());
  EXPECT_NE(gpu.rates.find("H200"), std::string::npos);
}
