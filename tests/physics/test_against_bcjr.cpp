// The exact chain against the trellis BCJR (engine/trellis/bcjr.h, float32, exact tail-biting) at
// sizes brute force cannot reach, and its ground state against brute force and the bitstream.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/physics/chain_solver.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/bitstream.h"
#include "tests/physics/chain_brute_force.h"
#include "tests/physics/random_chain.h"

using namespace bcjr::physics;
using namespace bcjr::physics::testing;
using bcjr::trellis::Boundary;

TEST(ChainAgainstBcjr, LogZAndSymbolMarginalsMatchTheTrellisBcjr) {
  const uint64_t seed = bcjr::trellis::ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const bcjr::trellis::TrellisSpec specs[] = {{8, 1, 1, 32}, {8, 2, 2, 32}, {7, 2, 1, 24}, {6, 1, 2, 30}};
  for (const auto& spec : specs)
    for (Boundary b : {Boundary::Free, Boundary::TailBiting})
      for (double T : {0.05, 0.5}) {
        SCOPED_TRACE(spec.describe() + " " + bcjr::trellis::boundary_name(b) + " T=" + std::to_string(T));
        const SpinChain c = random_chain(spec, b, rng);
        bcjr::trellis::BcjrOptions opt;
        opt.T = T;
        opt.boundary = b;
        opt.tailbiting = bcjr::trellis::BcjrTailBiting::Exact;
        opt.symbol_marginals = true;
        auto w = torch::from_blob(const_cast<float*>(c.weights.data()), {1, spec.n}, torch::kFloat32).clone();
        const auto bc = bcjr::trellis::bcjr_forward(w, spec, c.codebook, opt);
        const ChainPosterior post = chain_posterior(c, T);
        const double log_z = bc.log_z[0].item<double>();
        EXPECT_NEAR(post.moments.log_z, log_z, 2e-6 * std::max(1.0, std::abs(log_z)));
        auto m = bc.symbol_marginals.contiguous();
        const float* pm = m.data_ptr<float>();
        double worst = 0;
        for (size_t i = 0; i < post.symbol_marginals.size(); ++i)
          worst = std::max(worst, std::abs(post.symbol_marginals[i] - double(pm[i])));
        EXPECT_LT(worst, 2e-4);
        // The soft codeword is the codebook averaged over the state marginals.
        auto cw = bc.codeword.contiguous();
        for (int t = 0; t < c.steps(); ++t)
          for (int v = 0; v < spec.V; ++v) {
            double mean = 0;
            for (int s = 0; s < c.states(); ++s)
              mean += post.state_marginals[size_t(t) * c.states() + s] * c.codebook.table[size_t(s) * spec.V + v];
            EXPECT_NEAR(mean, cw.data_ptr<float>()[t * spec.V + v], 2e-4);
          }
      }
}

TEST(ChainAgainstBcjr, GroundStateIsTheMinimumEnergyPathAndItsBitsAreTheBitstream) {
  std::mt19937_64 rng(bcjr::trellis::ref::fresh_seed());
  for (const auto& spec : enumerable_specs())
    for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
      const SpinChain c = random_chain(spec, b, rng);
      const GroundState g = ground_state(c);
      EXPECT_NEAR(g.energy, brute_force(c, 1.0).min_energy, 1e-12) << spec.describe();
      EXPECT_EQ(g.method, b == Boundary::Free ? "free" : "tailbiting-exact");
      if (b == Boundary::Free) continue;
      // The ring's bits are the tail-biting bitstream that the export stores (MSB first).
      auto states = torch::tensor(std::vector<int32_t>(g.states.begin(), g.states.end())).view({1, -1});
      auto words = bcjr::trellis::pack_bitstream(states, spec).contiguous();
      const auto bits = c.path_bits(g.states);
      for (int i = 0; i < c.bits(); ++i)
        EXPECT_EQ(bits[i], (words.data_ptr<int32_t>()[i / 16] >> (15 - i % 16)) & 1) << spec.describe() << " bit " << i;
    }
}

TEST(ChainRange, SizesOutsideTheExactRangeAreRefusedWithWhatToUseInstead) {
  std::mt19937_64 rng(1);
  struct Case {
    bcjr::trellis::TrellisSpec spec;
    std::string expect;
  };
  for (const Case& k : std::vector<Case>{{{9, 1, 1, 16}, "L = 9 is outside 2..8"},
                                         {{8, 3, 1, 16}, "k = 3 is outside 1..2"},
                                         {{4, 1, 1, 34}, "n = 34 weights is more than 32"},
                                         {{8, 1, 1, 4}, "tail-biting needs n*k >= L"}}) {
    try {
      auto cb = random_codebook(k.spec.L, k.spec.V, rng);
      make_spin_chain(k.spec, Boundary::TailBiting, cb, random_tile(k.spec.n, 1, rng));
      ADD_FAILURE() << k.expect;
    } catch (const bcjr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(k.expect), std::string::npos) << e.what();
      if (k.expect[0] != 't') {
        EXPECT_NE(std::string(e.what()).find("bcjr soft"), std::string::npos) << e.what();
      }
    }
  }
  auto cb = random_codebook(4, 1, rng);
  EXPECT_THROW(make_spin_chain({4, 1, 1, 8}, Boundary::Free, cb, random_tile(7, 1, rng)), bcjr::Error);
  EXPECT_THROW(make_spin_chain({4, 1, 2, 8}, Boundary::Free, cb, random_tile(8, 1, rng)), bcjr::Error);
  auto w = random_tile(8, 1, rng);
  w[3] = NAN;
  EXPECT_THROW(make_spin_chain({4, 1, 1, 8}, Boundary::Free, cb, w), bcjr::Error);
  const SpinChain c = make_spin_chain({4, 1, 1, 8}, Boundary::TailBiting, cb, random_tile(8, 1, rng));
  EXPECT_THROW(c.path_energy({0, 1, 3, 7, 15, 15, 15, 14}), bcjr::Error);  // 14 -> 0 does not close the ring
  EXPECT_NO_THROW(c.path_energy({0, 1, 3, 7, 15, 14, 12, 8}));
}
