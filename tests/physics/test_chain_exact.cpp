// The exact chain against brute-force enumeration of every path, on fresh random inputs, both
// boundaries: log Z, the energy's mean and variance, and the marginals of states, edges (the
// ring's closing edge included), symbols and bits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/physics/chain_solver.h"
#include "engine/physics/thermodynamics.h"
#include "tests/physics/chain_brute_force.h"
#include "tests/physics/random_chain.h"

using namespace bcjr::physics;
using namespace bcjr::physics::testing;
using bcjr::trellis::Boundary;

namespace {

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

}  // namespace

TEST(ChainExact, EveryQuantityEqualsBruteForceEnumeration) {
  const uint64_t seed = bcjr::trellis::ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> log_t(std::log(0.02), std::log(5.0));
  for (const auto& spec : enumerable_specs())
    for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
      const SpinChain c = random_chain(spec, b, rng);
      const double T = std::exp(log_t(rng));
      SCOPED_TRACE(spec.describe() + " " + bcjr::trellis::boundary_name(b) + " T=" + std::to_string(T));
      const BruteForce ref = brute_force(c, T);
      const ChainPosterior post = chain_posterior(c, T);
      const double scale = std::max(1.0, std::abs(ref.log_z));
      EXPECT_NEAR(post.moments.log_z, ref.log_z, 1e-12 * scale);
      EXPECT_NEAR(post.moments.mean_energy, ref.mean_energy, 1e-11 * std::max(1.0, ref.mean_energy));
      EXPECT_NEAR(post.moments.energy_variance, ref.energy_variance, 1e-10 * std::max(1.0, ref.energy_variance));
      EXPECT_LT(max_diff(post.state_marginals, ref.state), 1e-12);
      EXPECT_LT(max_diff(post.edge_marginals, ref.edge), 1e-12);
      EXPECT_LT(max_diff(post.symbol_marginals, ref.symbol), 1e-12);
      EXPECT_LT(max_diff(post.bit_marginals, ref.bit), 1e-12);
      EXPECT_LT(max_diff(post.site_energy_mean, ref.site_mean), 1e-11);
      // The forward-only call gives the same moments.
      const ChainMoments m = chain_moments(c, T);
      EXPECT_EQ(m.log_z, post.moments.log_z);
      EXPECT_EQ(m.energy_variance, post.moments.energy_variance);
      // The entropy is the Gibbs entropy -sum P log P of the path distribution.
      EXPECT_NEAR(thermodynamics(c, T).entropy, ref.gibbs_entropy, 1e-10 * std::max(1.0, ref.gibbs_entropy));
    }
}

TEST(ChainExact, BitsOfAPathFollowTheBitstreamLayout) {
  std::mt19937_64 rng(bcjr::trellis::ref::fresh_seed());
  for (const auto& spec : enumerable_specs())
    for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
      const SpinChain c = random_chain(spec, b, rng);
      EXPECT_EQ(c.bits(), b == Boundary::Free ? spec.L + (spec.steps() - 1) * spec.kv() : spec.n * spec.k);
      int checked = 0;
      bcjr::trellis::ref::for_each_path(spec, b, -1, [&](const std::vector<int>& p) {
        if (checked++ % 7) return;
        EXPECT_EQ(c.path_bits(p), reference_bits(c, p)) << spec.describe();
      });
    }
}

TEST(ChainExact, FrozenAtLowTemperatureOnTheGroundStateAndUniformAtHighTemperature) {
  const uint64_t seed = bcjr::trellis::ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
    const SpinChain c = random_chain({4, 1, 1, 10}, b, rng);
    const GroundState g = ground_state(c);
    const BruteForce ref = brute_force(c, 1.0);
    EXPECT_NEAR(g.energy, ref.min_energy, 1e-12);
    // Well below the gap to the first excited path (and far below, where exp(-gap/T) underflows)
    // every marginal sits on the ground state and nothing is NaN.
    double gap = std::numeric_limits<double>::infinity();
    bcjr::trellis::ref::for_each_path(c.spec, b, -1, [&](const std::vector<int>& p) {
      const double e = c.path_energy(p) - g.energy;
      if (p != g.states) gap = std::min(gap, e);
    });
    ASSERT_GT(gap, 0.0) << "a degenerate ground state from random weights";
    for (double T : {gap / 60, gap * 1e-8}) {
      const ChainPosterior post = chain_posterior(c, T);
      for (int t = 0; t < c.steps(); ++t)
        EXPECT_NEAR(post.state_marginals[size_t(t) * c.states() + g.states[t]], 1.0, 1e-12);
      EXPECT_NEAR(post.moments.mean_energy, g.energy, 1e-12);
      const Thermodynamics th = thermodynamics(c, T);
      EXPECT_NEAR(th.free_energy, g.energy, 1e-12);
      EXPECT_NEAR(th.entropy, 0.0, 1e-12);
      EXPECT_TRUE(std::isfinite(th.heat_capacity));
      EXPECT_LT(th.heat_capacity, 1e-12);
    }
    // T -> infinity: every path equally likely, S -> log(number of paths), <E> -> the path average.
    const double T = 1e7;
    const Thermodynamics th = thermodynamics(c, T);
    EXPECT_NEAR(th.entropy, std::log(ref.paths), 1e-5);
    double mean = 0;
    bcjr::trellis::ref::for_each_path(c.spec, b, -1, [&](const std::vector<int>& p) { mean += c.path_energy(p); });
    EXPECT_NEAR(th.energy, mean / ref.paths, 1e-4);
  }
  // The number of paths: 2^L 2^(kV(N-1)) with a free boundary; 2^(n k) on a ring (one per bitstream).
  const SpinChain free = random_chain({4, 1, 1, 10}, Boundary::Free, rng);
  const SpinChain ring = random_chain({4, 1, 1, 10}, Boundary::TailBiting, rng);
  EXPECT_NEAR(thermodynamics(free, 1e9).entropy, std::log(16.0 * 512), 1e-5);
  EXPECT_NEAR(thermodynamics(ring, 1e9).entropy, std::log(1024.0), 1e-5);
}

TEST(ChainExact, RingIsInvariantUnderRotationOfTheTile) {
  std::mt19937_64 rng(bcjr::trellis::ref::fresh_seed());
  const bcjr::trellis::TrellisSpec spec{6, 2, 1, 12};
  SpinChain c = random_chain(spec, Boundary::TailBiting, rng);
  std::vector<float> rolled(c.weights.size());
  for (int t = 0; t < spec.n; ++t) rolled[(t + 5) % spec.n] = c.weights[t];
  const SpinChain r = make_spin_chain(spec, Boundary::TailBiting, c.codebook, rolled);
  const ChainPosterior a = chain_posterior(c, 0.3), b = chain_posterior(r, 0.3);
  EXPECT_NEAR(a.moments.log_z, b.moments.log_z, 1e-11);
  EXPECT_NEAR(a.moments.energy_variance, b.moments.energy_variance, 1e-10);
  const int S = c.states(), B = c.symbols(), N = c.steps();
  for (int t = 0; t < N; ++t)
    for (int s = 0; s < S; ++s) {
      EXPECT_NEAR(a.state_marginals[size_t(t) * S + s], b.state_marginals[size_t((t + 5) % N) * S + s], 1e-12);
      for (int u = 0; u < B; ++u) EXPECT_NEAR(a.edge(t, s, u, S, B), b.edge((t + 5) % N, s, u, S, B), 1e-12);
    }
}
