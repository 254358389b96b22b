#include <gtest/gtest.h>

#include "engine/core/error.h"
#include "engine/trellis/viterbi.h"
#include "tests/trellis/test_support_trellis.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::trellis;
using namespace bcjr::trellis::testing;

TEST(Viterbi, FindsTheMinimumEnergyPathOfEveryTinyTrellis) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const auto& tc : tiny_cases()) {
    const Codebook cb = codebook_for(tc.code, tc.spec.L, tc.spec.V, rng);
    auto w = random_weights(3, tc.spec.n, cb, rng);
    for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
      SCOPED_TRACE(tc.spec.describe() + " " + tc.code + " " + boundary_name(b));
      auto res = viterbi(w, tc.spec, cb, b, ViterbiTailBiting::Exact);
      EXPECT_EQ(res.method, b == Boundary::Free ? "free" : "tailbiting-exact");
      for (int64_t i = 0; i < w.size(0); ++i) {
        const float* wi = w.data_ptr<float>() + i * tc.spec.n;
        auto e = ref::enumerate(tc.spec, cb, wi, 1.0, b);
        std::vector<int> path(res.states[i].data_ptr<int32_t>(), res.states[i].data_ptr<int32_t>() + tc.spec.steps());
        // The path must be legal and optimal; on an exact tie either optimum is right.
        bool legal = false;
        ref::for_each_path(tc.spec, b, -1, [&](const std::vector<int>& p) { legal = legal || p == path; });
        EXPECT_TRUE(legal) << "tile " << i;
        const double energy = ref::path_energy(tc.spec, cb, wi, path);
        EXPECT_NEAR(energy, e.min_energy, 1e-5 * (1 + e.min_energy)) << "tile " << i;
        EXPECT_NEAR(res.energy[i].item<double>(), energy, 1e-9 * (1 + energy));
        for (int j = 0; j < tc.spec.n; ++j)
          EXPECT_EQ(res.codeword[i][j].item<float>(), cb.table[size_t(path[j / tc.spec.V]) * tc.spec.V + j % tc.spec.V]);
      }
    }
  }
}

TEST(Viterbi, QtipTwoPassGivesALegalTailBitingPathNoBetterThanTheExactOne) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TrellisSpec spec{8, 2, 2, 32};
  const Codebook cb = make_codebook("hyb", 8, 2);
  auto w = random_weights(20, spec.n, cb, rng);
  auto exact = viterbi(w, spec, cb, Boundary::TailBiting, ViterbiTailBiting::Exact);
  auto two = viterbi(w, spec, cb, Boundary::TailBiting, ViterbiTailBiting::TwoPass);
  EXPECT_EQ(two.method, "tailbiting-qtip-2pass");
  auto st = two.states;
  const int N = spec.steps();
  for (int64_t i = 0; i < st.size(0); ++i) {
    for (int t = 0; t < N; ++t) {
      const int prev = st[i][(t + N - 1) % N].item<int>(), cur = st[i][t].item<int>();
      ASSERT_EQ(cur >> spec.kv(), prev & int(spec.overlaps() - 1)) << "tile " << i << " step " << t;
    }
    EXPECT_GE(two.energy[i].item<double>(), exact.energy[i].item<double>() - 1e-9);
  }
  // And not much worse on average: QTIP reports the two passes lose very little.
  EXPECT_LT(two.energy.mean().item<double>(), exact.energy.mean().item<double>() * 1.05);
}

TEST(Viterbi, FastPathMatchesATextbookDynamicProgramAtMediumL) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (auto [spec, code] : {std::pair{TrellisSpec{10, 2, 2, 24}, std::string("hyb")},
                            std::pair{TrellisSpec{9, 2, 1, 20}, std::string("1mad")},
                            std::pair{TrellisSpec{8, 3, 1, 16}, std::string("lut")}}) {
    SCOPED_TRACE(spec.describe());
    const Codebook cb = codebook_for(code, spec.L, spec.V, rng);
    auto w = random_weights(4, spec.n, cb, rng);
    auto res = viterbi(w, spec, cb, Boundary::Free);
    const int N = spec.steps();
    const int64_t S = spec.states();
    for (int64_t i = 0; i < w.size(0); ++i) {
      const float* wi = w.data_ptr<float>() + i * spec.n;
      std::vector<double> D(S), next(S);
      auto local = [&](int t, int64_t s) {
        double d = 0;
        for (int v = 0; v < spec.V; ++v) {
          const double e = double(cb.table[s * spec.V + v]) - wi[t * spec.V + v];
          d += e * e;
        }
        return d;
      };
      for (int64_t s = 0; s < S; ++s) D[s] = local(0, s);
      for (int t = 1; t < N; ++t) {
        for (int64_t s = 0; s < S; ++s) {
          double best = 1e300;
          for (int64_t p = 0; p < S; ++p)
            if ((((p << spec.kv()) | (s & (spec.symbols() - 1))) & (S - 1)) == s) best = std::min(best, D[p]);
          next[s] = best + local(t, s);
        }
        D.swap(next);
      }
      const double best = *std::min_element(D.begin(), D.end());
      EXPECT_NEAR(res.energy[i].item<double>(), best, 1e-5 * (1 + best)) << "tile " << i;
    }
  }
}

TEST(Viterbi, AutoPicksExactForSmallOverlapsAndTwoPassBeyond) {
  EXPECT_EQ(viterbi_method({12, 2, 2, 256}, Boundary::TailBiting, ViterbiTailBiting::Auto), "tailbiting-exact");
  EXPECT_EQ(viterbi_method({16, 2, 2, 256}, Boundary::TailBiting, ViterbiTailBiting::Auto), "tailbiting-qtip-2pass");
  EXPECT_EQ(viterbi_method({16, 2, 2, 256}, Boundary::Free, ViterbiTailBiting::Auto), "free");
}

TEST(Viterbi, RejectsBadInputWithAMessageNamingIt) {
  TrellisSpec spec{6, 2, 1, 8};
  const Codebook cb = make_codebook("1mad", 6, 1);
  auto w = torch::zeros({2, 8});
  EXPECT_THROW(viterbi(torch::zeros({2, 9}), spec, cb, Boundary::Free), bcjr::Error);
  EXPECT_THROW(viterbi(w.to(torch::kFloat64), spec, cb, Boundary::Free), bcjr::Error);
  w[1][3] = std::nanf("");
  try {
    viterbi(w, spec, cb, Boundary::Free);
    FAIL() << "non-finite weights accepted";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos);
  }
  EXPECT_THROW(viterbi(torch::zeros({2, 8}), TrellisSpec{17, 2, 1, 8}, cb, Boundary::Free), bcjr::Error);
  EXPECT_THROW(viterbi(torch::zeros({2, 8}), spec, make_codebook("1mad", 7, 1), Boundary::Free), bcjr::Error);
}

// hyb at L=16 has c(~s) == c(s): every path has a complement twin with the same codewords. The
// search must return one canonical twin (first state's top bit clear), so that the same
// reconstruction always has the same path; solving for a path's own codewords returns that path.
TEST(Viterbi, HybL16ReturnsTheCanonicalOfTwoComplementTwins) {
  TrellisSpec spec{16, 2, 2, 256};
  const Codebook cb = make_codebook("hyb", 16, 2, 0);
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  torch::manual_seed(int64_t(seed & 0x7fffffff));
  auto w = torch::randn({6, spec.n}) * (0.9 * cb.rms());
  for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
    auto r = viterbi(w, spec, cb, b);
    auto twin = torch::bitwise_xor(r.states, 0xFFFF);
    EXPECT_TRUE(torch::equal(codeword_from_states(twin, spec, cb), r.codeword));  // the symmetry is real
    EXPECT_TRUE(r.states.select(1, 0).lt(1 << 15).all().item<bool>());
    auto again = viterbi(r.codeword, spec, cb, b);  // energy 0 at the path and at its twin only
    EXPECT_EQ(again.energy.max().item<double>(), 0.0);
    EXPECT_TRUE(torch::equal(again.states, r.states)) << (b == Boundary::Free ? "free" : "tail-biting");
  }
}
