// The tile services the studio, `bcjr posterior` and the QAT session share
// (engine/physics/tile_posterior_view.h): the view is the trellis posterior and Viterbi path of the
// tile, exact over overlaps up to the engine's threshold as in training; thermodynamics obey
// F <= <E> and meet the Viterbi energy when cold; bad input is an error naming the problem; a
// cancel stops a curve between temperatures.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/physics/tile_posterior_view.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/tile_posterior.h"
#include "engine/trellis/viterbi.h"

using namespace bcjr;
using namespace bcjr::physics;

namespace {

TileProblem gaussian_problem(int L, const std::string& code, int V, trellis::Boundary b, uint64_t seed, int n = 256) {
  TileProblem p;
  p.spec = trellis::TrellisSpec{L, 2, V, n};
  p.codebook = std::make_shared<const trellis::Codebook>(trellis::make_codebook(code, L, V));
  p.boundary = b;
  p.weights = gaussian_tile(*p.codebook, n, seed);
  p.label = "test tile";
  return p;
}

}  // namespace

TEST(TilePosteriorView, IsTheTrellisPosteriorAndViterbiPath) {
  auto p = gaussian_problem(8, "1mad", 1, trellis::Boundary::TailBiting, 3, 64);
  const double T = 0.05;
  auto v = tile_posterior_view(p, T);
  trellis::BcjrOptions opt;
  opt.T = T;
  opt.boundary = p.boundary;
  auto ref = trellis::tile_posterior(p.weights, p.spec, *p.codebook, opt);
  EXPECT_EQ(v.label, "test tile");
  EXPECT_EQ(v.steps, 64);
  EXPECT_EQ(v.symbols, 4);
  EXPECT_EQ(v.marginals, ref.symbol_marginals);
  EXPECT_EQ(v.mean, ref.mean);
  EXPECT_EQ(v.variance, ref.variance);
  EXPECT_EQ(v.target, p.weights);
  EXPECT_EQ(v.log_z, ref.log_z);
  auto w = torch::from_blob(p.weights.data(), {1, 64}, torch::kFloat32);
  auto hard = trellis::viterbi(w, p.spec, *p.codebook, p.boundary);
  ASSERT_EQ(v.viterbi_symbols.size(), 64u);
  for (int t = 0; t < 64; ++t) EXPECT_EQ(v.viterbi_symbols[size_t(t)], hard.states[0][t].item<int>() & 3) << t;
  // Cold, the posterior sits on the Viterbi path.
  auto cold = tile_posterior_view(p, 1e-3);
  for (int t = 0; t < cold.steps; ++t) EXPECT_GT(cold.marginals[size_t(t * 4 + cold.viterbi_symbols[size_t(t)])], 0.99f);
}

// One threshold everywhere: the view is exact where training's soft codeword is (2^(L-kV) <= 256).
TEST(TilePosteriorView, UsesTheEnginesExactOverlapThreshold) {
  for (int L : {8, 10, 12, 13}) {
    auto p = gaussian_problem(L, "3inst", 1, trellis::Boundary::TailBiting, 4, 16);
    const std::string engine = trellis::bcjr_method(p.spec, p.boundary, trellis::BcjrTailBiting::Auto);
    EXPECT_EQ(engine, L - 2 <= 8 ? "tailbiting-exact" : "tailbiting-fixed-overlap") << L;
    EXPECT_EQ(tile_posterior_view(p, 0.1).method, engine) << L;
  }
}

TEST(TilePosteriorView, ThermodynamicsBoundAndColdLimit) {
  auto p = gaussian_problem(8, "hyb", 2, trellis::Boundary::TailBiting, 5, 64);
  const std::vector<double> temps = {1e-3, 0.05, 0.3, 1.0};
  auto th = tile_thermodynamics(p, temps);
  ASSERT_EQ(th.temperature, temps);
  for (size_t i = 0; i < temps.size(); ++i) EXPECT_LE(th.free_energy[i], th.energy[i] + 1e-6) << temps[i];
  for (size_t i = 1; i < temps.size(); ++i) EXPECT_GT(th.energy[i], th.energy[i - 1]) << temps[i];
  auto w = torch::from_blob(p.weights.data(), {1, 64}, torch::kFloat32);
  const double e_min = trellis::viterbi(w, p.spec, *p.codebook, p.boundary).energy[0].item<double>();
  EXPECT_NEAR(th.energy[0], e_min, 1e-2 * e_min + 1e-4);
  EXPECT_NEAR(th.free_energy[0], e_min, 1e-2 * e_min + 1e-4);
}

TEST(TilePosteriorView, GaussianTileIsSeededAndScaled) {
  auto cb = trellis::make_codebook("3inst", 10, 1);
  auto a = gaussian_tile(cb, 4096, 9), b = gaussian_tile(cb, 4096, 9), c = gaussian_tile(cb, 4096, 10);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double ss = 0;
  for (float x : a) ss += double(x) * x;
  EXPECT_NEAR(std::sqrt(ss / 4096), 0.9 * cb.rms(), 0.05 * cb.rms());
}

TEST(TilePosteriorView, BadInputIsAnErrorNamingIt) {
  auto p = gaussian_problem(8, "1mad", 1, trellis::Boundary::Free, 6, 64);
  p.weights.resize(10);
  try {
    tile_posterior_view(p, 0.1);
    ADD_FAILURE() << "a tile of 10 weights on n = 64 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("n = 64"), std::string::npos) << e.what();
  }
  p = gaussian_problem(8, "1mad", 1, trellis::Boundary::Free, 6, 64);
  EXPECT_THROW(tile_posterior_view(p, -1.0), Error);
  p.codebook = nullptr;
  EXPECT_THROW(tile_posterior_view(p, 0.1), Error);
}

TEST(TilePosteriorView, ACancelStopsACurve) {
  auto p = gaussian_problem(8, "1mad", 1, trellis::Boundary::Free, 7, 64);
  const std::vector<double> temps(20, 0.1);
  auto token = std::make_shared<CancelToken>();
  CancelScope scope(token);
  EXPECT_EQ(tile_thermodynamics(p, temps).energy.size(), 20u);
  const int64_t per_temperature = token->checks() / 20;
  ASSERT_GE(per_temperature, 1);
  // Cancelled inside the second temperature: nothing after it runs.
  auto second = std::make_shared<CancelToken>();
  second->set_check_hook([&](int64_t n) {
    if (n == per_temperature + 1) second->cancel();
  });
  CancelScope inner(second);
  EXPECT_THROW(tile_thermodynamics(p, temps), Cancelled);
  EXPECT_EQ(second->checks(), per_temperature + 1);
}
