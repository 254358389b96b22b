#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/trellis/bcjr.h"
#include "engine/trellis/tile_posterior.h"
#include "tests/trellis/test_support_trellis.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::trellis;
using namespace bcjr::trellis::testing;

TEST(TilePosterior, StateMarginalsMeanAndVarianceMatchEnumeration) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const auto& tc : tiny_cases()) {
    const auto& spec = tc.spec;
    const Codebook cb = codebook_for(tc.code, spec.L, spec.V, rng);
    auto w = random_weights(1, spec.n, cb, rng);
    std::vector<float> wt(w.data_ptr<float>(), w.data_ptr<float>() + spec.n);
    for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
      SCOPED_TRACE(spec.describe() + " " + tc.code + " " + boundary_name(b));
      BcjrOptions opt;
      opt.T = 0.25;
      opt.boundary = b;
      auto post = tile_posterior(wt, spec, cb, opt, true);
      const int N = spec.steps(), V = spec.V;
      const int64_t S = spec.states();
      // Enumerated state marginals.
      std::vector<double> P(size_t(N) * S, 0);
      double z = 0, emin = ref::enumerate(spec, cb, wt.data(), 1.0, b).min_energy;
      ref::for_each_path(spec, b, -1, [&](const std::vector<int>& p) {
        const double e = std::exp(-(ref::path_energy(spec, cb, wt.data(), p) - emin) / opt.T);
        z += e;
        for (int t = 0; t < N; ++t) P[size_t(t) * S + p[t]] += e;
      });
      for (double& v : P) v /= z;
      ASSERT_EQ(post.state_marginals.size(), P.size());
      EXPECT_LT(max_abs_diff(post.state_marginals.data(), P), 2e-5);
      for (int t = 0; t < N; ++t)
        for (int v = 0; v < V; ++v) {
          double m = 0, m2 = 0;
          for (int64_t s = 0; s < S; ++s) {
            const double c = cb.table[size_t(s) * V + v];
            m += P[size_t(t) * S + s] * c;
            m2 += P[size_t(t) * S + s] * c * c;
          }
          EXPECT_NEAR(post.mean[t * V + v], m, 2e-5);
          EXPECT_NEAR(post.variance[t * V + v], m2 - m * m, 5e-5);
        }
      // And the same as the batch path.
      opt.symbol_marginals = true;
      auto batch = bcjr_forward(w, spec, cb, opt);
      EXPECT_EQ(post.method, batch.method);
      EXPECT_NEAR(post.log_z, batch.log_z[0].item<double>(), 1e-5 * (1 + std::abs(post.log_z)));
      auto sm = torch::from_blob(post.symbol_marginals.data(), {1, N, spec.symbols()}, torch::kFloat32);
      EXPECT_TRUE(torch::allclose(sm, batch.symbol_marginals, 1e-5, 1e-5));
    }
  }
}
