// The transfer matrices of the chain: their entries, and the partition function as their product
// (a trace on the ring, 2^-kV times the sum of all entries with a free boundary), multiplied out
// densely here with a rescaling after each step, against the engine's sweeps.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/physics/chain_solver.h"
#include "engine/physics/transfer_matrix.h"
#include "tests/physics/random_chain.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::physics;
using namespace bcjr::physics::testing;
using bcjr::trellis::Boundary;

namespace {

// log of (M_0 M_1 ... M_{N-1}) as a scale and a dense matrix with largest entry 1.
struct ScaledProduct {
  double log_scale = 0;
  std::vector<double> m;
};

ScaledProduct product(const SpinChain& c, double T) {
  const int S = c.states();
  ScaledProduct p;
  for (int t = 0; t < c.steps(); ++t) {
    const TransferMatrix M = transfer_matrix(c, t, T);
    if (t == 0) {
      p.m = M.entries;
    } else {
      std::vector<double> next(size_t(S) * S, 0.0);
      for (int i = 0; i < S; ++i)
        for (int k = 0; k < S; ++k)
          for (int j = 0; j < S; ++j) next[size_t(i) * S + j] += p.m[size_t(i) * S + k] * M.entry(k, j);
      p.m = next;
    }
    p.log_scale += M.log_scale;
    double mx = 0;
    for (double v : p.m) mx = std::max(mx, v);
    for (double& v : p.m) v /= mx;
    p.log_scale += std::log(mx);
  }
  return p;
}

}  // namespace

TEST(TransferMatrix, EntriesAreTheBoltzmannWeightsOfTheTrellisEdges) {
  std::mt19937_64 rng(bcjr::trellis::ref::fresh_seed());
  const SpinChain c = random_chain({5, 1, 2, 8}, Boundary::Free, rng);
  const double T = 0.07;
  for (int t = 0; t < c.steps(); ++t) {
    const TransferMatrix M = transfer_matrix(c, t, T);
    int nonzero = 0;
    for (int p = 0; p < c.states(); ++p)
      for (int s = 0; s < c.states(); ++s) {
        const bool legal = ((((p << 2) | (s & 3)) & 31) == s);
        const double want = legal ? std::exp(-c.energy(t, s) / T) : 0.0;
        EXPECT_NEAR(std::exp(M.log_scale) * M.entry(p, s), want, 1e-12 * std::max(1.0, want));
        nonzero += M.entry(p, s) > 0;
      }
    EXPECT_EQ(nonzero, c.states() * c.symbols());
  }
  EXPECT_THROW(transfer_matrix(c, c.steps(), T), bcjr::Error);
}

TEST(TransferMatrix, PartitionFunctionIsTheTraceOrTheSumOfTheProduct) {
  const uint64_t seed = bcjr::trellis::ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const bcjr::trellis::TrellisSpec specs[] = {{3, 1, 1, 9}, {6, 2, 1, 16}, {6, 1, 2, 20}, {4, 2, 2, 2}};
  for (const auto& spec : specs)
    for (double T : {0.02, 0.1, 3.0}) {
      SCOPED_TRACE(spec.describe() + " T=" + std::to_string(T));
      const SpinChain ring = random_chain(spec, Boundary::TailBiting, rng);
      const ScaledProduct pr = product(ring, T);
      double trace = 0;
      for (int s = 0; s < ring.states(); ++s) trace += pr.m[size_t(s) * ring.states() + s];
      const double log_z_ring = chain_moments(ring, T).log_z;
      EXPECT_NEAR(pr.log_scale + std::log(trace), log_z_ring, 1e-11 * std::max(1.0, std::abs(log_z_ring)));

      const SpinChain free = make_spin_chain(spec, Boundary::Free, ring.codebook, ring.weights);
      const ScaledProduct pf = product(free, T);
      double sum = 0;
      for (double v : pf.m) sum += v;
      const double log_z_free = chain_moments(free, T).log_z;
      EXPECT_NEAR(pf.log_scale + std::log(sum) - std::log(double(free.symbols())), log_z_free,
                  1e-11 * std::max(1.0, std::abs(log_z_free)));
    }
}
