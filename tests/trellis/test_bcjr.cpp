#include <gtest/gtest.h>

#include "engine/core/error.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/viterbi.h"
#include "tests/trellis/test_support_trellis.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::trellis;
using namespace bcjr::trellis::testing;

namespace {

void expect_matches(const BcjrResult& r, int64_t i, const TrellisSpec& spec, const ref::Enumerated& e, bool grad) {
  const int n = spec.n, NB = spec.steps() * spec.symbols();
  EXPECT_LT(max_abs_diff(r.codeword.data_ptr<float>() + i * n, e.codeword), 2e-5 * (1 + max_abs(e.codeword)))
      << "codeword, tile " << i;
  EXPECT_NEAR(r.log_z[i].item<double>(), e.log_z, 1e-5 * (1 + std::abs(e.log_z))) << "log Z, tile " << i;
  EXPECT_LT(max_abs_diff(r.symbol_marginals.data_ptr<float>() + i * NB, e.marginals), 2e-5) << "marginals, tile " << i;
  if (grad) {
    EXPECT_LT(max_abs_diff(r.grad_w.data_ptr<float>() + i * n, e.grad), 1e-4 * (1 + max_abs(e.grad)))
        << "VJP, tile " << i;
  }
}

}  // namespace

TEST(Bcjr, MatchesExhaustiveEnumerationOnEveryTinyTrellis) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const auto& tc : tiny_cases()) {
    const Codebook cb = codebook_for(tc.code, tc.spec.L, tc.spec.V, rng);
    auto w = random_weights(2, tc.spec.n, cb, rng);
    auto g = random_weights(2, tc.spec.n, cb, rng);
    for (Boundary b : {Boundary::Free, Boundary::TailBiting})
      for (double T : {0.05, 0.3, 2.0}) {
        SCOPED_TRACE(tc.spec.describe() + " " + tc.code + " " + boundary_name(b) + " T=" + std::to_string(T));
        BcjrOptions opt;
        opt.T = T;
        opt.boundary = b;
        opt.tailbiting = BcjrTailBiting::Exact;
        opt.symbol_marginals = true;
        auto r = bcjr_vjp(w, g, tc.spec, cb, opt);
        EXPECT_EQ(r.method, b == Boundary::Free ? "free" : "tailbiting-exact");
        auto f = bcjr_forward(w, tc.spec, cb, opt);
        EXPECT_TRUE(torch::allclose(f.codeword, r.codeword, 1e-6, 1e-6));
        for (int64_t i = 0; i < w.size(0); ++i) {
          auto e = ref::enumerate(tc.spec, cb, w.data_ptr<float>() + i * tc.spec.n, T, b, -1,
                                  g.data_ptr<float>() + i * tc.spec.n);
          expect_matches(r, i, tc.spec, e, true);
        }
      }
  }
}

TEST(Bcjr, FixedOverlapIsTheExactDistributionGivenTheViterbiOverlap) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const auto& tc : tiny_cases()) {
    SCOPED_TRACE(tc.spec.describe() + " " + tc.code);
    const Codebook cb = codebook_for(tc.code, tc.spec.L, tc.spec.V, rng);
    auto w = random_weights(3, tc.spec.n, cb, rng);
    auto g = random_weights(3, tc.spec.n, cb, rng);
    BcjrOptions opt;
    opt.T = 0.2;
    opt.boundary = Boundary::TailBiting;
    opt.tailbiting = BcjrTailBiting::FixedOverlap;
    opt.symbol_marginals = true;
    auto r = bcjr_vjp(w, g, tc.spec, cb, opt);
    EXPECT_EQ(r.method, "tailbiting-fixed-overlap");
    auto hard = viterbi(w, tc.spec, cb, Boundary::TailBiting);
    for (int64_t i = 0; i < w.size(0); ++i) {
      const int o = r.overlap[i].item<int>();
      EXPECT_EQ(o, hard.states[i][0].item<int>() >> tc.spec.kv());
      auto e = ref::enumerate(tc.spec, cb, w.data_ptr<float>() + i * tc.spec.n, opt.T, Boundary::TailBiting, o,
                              g.data_ptr<float>() + i * tc.spec.n);
      expect_matches(r, i, tc.spec, e, true);
    }
  }
}

TEST(Bcjr, FastPathMatchesTextbookForwardBackwardAndDifferencesAtMediumL) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (auto [spec, code] : {std::pair{TrellisSpec{8, 2, 2, 16}, std::string("hyb")},
                            std::pair{TrellisSpec{8, 2, 1, 12}, std::string("3inst")},
                            std::pair{TrellisSpec{7, 1, 1, 14}, std::string("lut")}}) {
    const Codebook cb = codebook_for(code, spec.L, spec.V, rng);
    auto w = random_weights(2, spec.n, cb, rng);
    auto g = random_weights(2, spec.n, cb, rng);
    for (int overlap : {-1, 3}) {
      SCOPED_TRACE(spec.describe() + " " + code + " overlap " + std::to_string(overlap));
      BcjrOptions opt;
      opt.T = 0.1;
      opt.symbol_marginals = true;
      if (overlap >= 0) {
        opt.boundary = Boundary::TailBiting;
        opt.tailbiting = BcjrTailBiting::FixedOverlap;
        opt.overlap = torch::full({w.size(0)}, overlap, torch::kInt32);
      }
      auto r = bcjr_vjp(w, g, spec, cb, opt);
      for (int64_t i = 0; i < w.size(0); ++i) {
        const float* wi = w.data_ptr<float>() + i * spec.n;
        std::vector<double> wd(wi, wi + spec.n);
        auto fb = ref::forward_backward(spec, cb, wd.data(), opt.T, overlap);
        EXPECT_LT(max_abs_diff(r.codeword.data_ptr<float>() + i * spec.n, fb.codeword), 2e-5 * (1 + max_abs(fb.codeword)));
        EXPECT_NEAR(r.log_z[i].item<double>(), fb.log_z, 1e-5 * (1 + std::abs(fb.log_z)));
        EXPECT_LT(max_abs_diff(r.symbol_marginals.data_ptr<float>() + i * spec.steps() * spec.symbols(), fb.marginals),
                  2e-5);
        auto fd = ref::vjp_by_differences(spec, cb, wi, g.data_ptr<float>() + i * spec.n, opt.T, overlap);
        EXPECT_LT(max_abs_diff(r.grad_w.data_ptr<float>() + i * spec.n, fd), 2e-4 * (1 + max_abs(fd)));
      }
    }
  }
}

TEST(Bcjr, VjpMatchesFiniteDifferencesOfTheSoftCodewordAtL12) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TrellisSpec spec{12, 2, 2, 32};
  const Codebook cb = make_codebook("hyb", 12, 2);
  auto w = random_weights(2, spec.n, cb, rng);
  auto g = random_weights(2, spec.n, cb, rng);
  BcjrOptions opt;
  opt.T = 0.5;
  auto r = bcjr_vjp(w, g, spec, cb, opt);
  // Directional derivatives: <g, J v> by central differences (fp32 forward, so a large step)
  // against <VJP, v>, for random directions v.
  for (int trial = 0; trial < 4; ++trial) {
    auto v = random_weights(2, spec.n, cb, rng);
    const float eps = 1e-2f;
    auto plus = bcjr_forward(w + eps * v, spec, cb, opt).codeword;
    auto minus = bcjr_forward(w - eps * v, spec, cb, opt).codeword;
    const double fd = ((plus - minus) * g).sum().item<double>() / (2 * eps);
    const double an = (r.grad_w * v).sum().item<double>();
    EXPECT_NEAR(an, fd, 1e-2 * (1 + std::abs(fd))) << "direction " << trial;
  }
}

TEST(Bcjr, LowTemperatureSoftCodewordIsTheViterbiCodeword) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TrellisSpec spec{4, 1, 1, 6};
  const Codebook cb = codebook_for("lut", 4, 1, rng);
  for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
    int tested = 0;
    while (tested < 5) {
      auto w = random_weights(1, spec.n, cb, rng);
      auto e = ref::enumerate(spec, cb, w.data_ptr<float>(), 1.0, b, -1, nullptr, true);
      std::sort(e.energies.begin(), e.energies.end());
      if (e.energies[1].first - e.energies[0].first < 0.02) continue;  // a near-tie: no unique limit
      ++tested;
      BcjrOptions opt;
      opt.T = 2e-4;
      opt.boundary = b;
      auto soft = bcjr_forward(w, spec, cb, opt).codeword;
      auto hard = viterbi(w, spec, cb, b).codeword;
      EXPECT_LT((soft - hard).abs().max().item<float>(), 1e-4) << boundary_name(b);
    }
  }
}

TEST(Bcjr, RejectsBadTemperatureAndInput) {
  TrellisSpec spec{6, 2, 1, 8};
  const Codebook cb = make_codebook("1mad", 6, 1);
  BcjrOptions opt;
  opt.T = 0;
  EXPECT_THROW(bcjr_forward(torch::zeros({2, 8}), spec, cb, opt), bcjr::Error);
  opt.T = -1;
  EXPECT_THROW(bcjr_forward(torch::zeros({2, 8}), spec, cb, opt), bcjr::Error);
  opt.T = std::numeric_limits<double>::infinity();
  EXPECT_THROW(bcjr_forward(torch::zeros({2, 8}), spec, cb, opt), bcjr::Error);
  opt.T = 0.1;
  EXPECT_THROW(bcjr_forward(torch::zeros({2, 7}), spec, cb, opt), bcjr::Error);
  EXPECT_THROW(bcjr_vjp(torch::zeros({2, 8}), torch::zeros({3, 8}), spec, cb, opt), bcjr::Error);
  auto w = torch::zeros({2, 8});
  w[0][0] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(bcjr_forward(w, spec, cb, opt), bcjr::Error);
}

