// Hadamard matrices, the fast transform against its dense Kronecker construction, the RHT of a
// linear and its inverse, and the 16x16 tile layout.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/quant/hadamard.h"
#include "engine/quant/rht.h"
#include "engine/quant/tiles.h"

using namespace bcjr::quant;

namespace {

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

TEST(Hadamard, PaleyCoresAreHadamard) {
  for (int64_t p : {1, 2, 4, 8, 12, 20, 24, 28, 32, 36, 44, 48, 60, 68, 72, 76, 84}) {
    if (!paley_order_supported(p)) continue;
    auto h = paley_hadamard(p).to(torch::kFloat64);
    EXPECT_TRUE(h.abs().eq(1).all().item<bool>()) << p;
    EXPECT_LT(max_abs(torch::matmul(h, h.t()) - p * torch::eye(p, torch::kFloat64)), 1e-9) << "order " << p;
  }
  // Orders the default and the 1B model need, and 36 through Paley II.
  for (int64_t p : {12, 20, 28, 36}) EXPECT_TRUE(paley_order_supported(p)) << p;
  EXPECT_FALSE(paley_order_supported(6));
  EXPECT_THROW(paley_hadamard(6), bcjr::Error);
}

TEST(Hadamard, FactorisationOfModelSizes) {
  struct Case { int64_t n, p; };
  for (Case c : {Case{576, 36}, Case{192, 12}, Case{1536, 12}, Case{2048, 1}, Case{512, 1}, Case{8192, 1},
                 Case{960, 60}, Case{2560, 20}, Case{64, 1}}) {
    HadamardTransform h(c.n);
    EXPECT_EQ(h.core_order(), c.p) << c.n;
    EXPECT_EQ(h.core_order() * h.power_of_two(), c.n);
  }
  // 112 = 28 * 4 (Paley II, q = 13); 336 = 84 * 4 (Paley I, q = 83); 6, 10, 18 have no core.
  EXPECT_EQ(HadamardTransform(112).core_order(), 28);
  EXPECT_EQ(HadamardTransform(336).core_order(), 84);
  for (int64_t n : {3, 6, 10, 18, 0}) EXPECT_FALSE(hadamard_order_supported(n)) << n;
}

TEST(Hadamard, DenseIsOrthonormal) {
  for (int64_t n : {16, 24, 36, 192, 576}) {
    auto h = HadamardTransform(n).dense().to(torch::kFloat64);
    EXPECT_LT(max_abs(torch::matmul(h, h.t()) - torch::eye(n, torch::kFloat64)), 1e-6) << n;
  }
}

TEST(Hadamard, FastMatchesDenseOnRandomInputs) {
  torch::manual_seed(1);
  for (int64_t n : {1, 2, 16, 12, 20, 28, 36, 192, 576, 1536, 2048}) {
    HadamardTransform h(n);
    auto d = h.dense().to(torch::kFloat64);
    auto x = torch::randn({5, 3, n}, torch::kFloat64);
    auto want = torch::matmul(x, d.t());
    auto want_t = torch::matmul(x, d);
    EXPECT_LT(max_abs(h.apply(x) - want), 1e-9) << n;
    EXPECT_LT(max_abs(h.apply(x, true) - want_t), 1e-9) << n;
    EXPECT_LT(max_abs(h.apply(h.apply(x), true) - x), 1e-9) << n;
  }
}

TEST(Hadamard, UnsupportedOrderIsAnError) {
  EXPECT_THROW(HadamardTransform(18), bcjr::Error);
  EXPECT_THROW(HadamardTransform(576).apply(torch::zeros({3, 575})), bcjr::Error);
}

TEST(Rht, MatchesExplicitMatricesAndInverts) {
  torch::manual_seed(2);
  const int64_t m = 192, n = 576;
  auto rht = LinearRht::seeded(m, n, 7, 4, "q_proj");
  auto w = torch::randn({m, n}, torch::kFloat64);
  auto hm = HadamardTransform(m).dense().to(torch::kFloat64), hn = HadamardTransform(n).dense().to(torch::kFloat64);
  auto sv = torch::diag(rht.signs_out().to(torch::kFloat64)), su = torch::diag(rht.signs_in().to(torch::kFloat64));
  auto want = hm.mm(sv).mm(w).mm(su).mm(hn.t());
  auto got = rht.forward(w);
  EXPECT_LT(max_abs(got - want), 1e-9);
  EXPECT_LT(max_abs(rht.inverse(got) - w), 1e-9);
  // Frobenius norm preserved, and the proxy error is invariant under the rotation.
  EXPECT_NEAR(got.norm().item<double>(), w.norm().item<double>(), 1e-9 * w.norm().item<double>());
  auto x = torch::randn({n, 40}, torch::kFloat64);
  auto hess = x.mm(x.t());
  auto dw = torch::randn({m, n}, torch::kFloat64);
  double direct = torch::trace(dw.mm(hess).mm(dw.t())).item<double>();
  double rotated = torch::trace(rht.forward(dw).mm(rht.rotate_hessian(hess)).mm(rht.forward(dw).t())).item<double>();
  EXPECT_NEAR(rotated, direct, 1e-9 * std::abs(direct));
}

TEST(Rht, SignsAreSeededPerLayerAndLinear) {
  auto a = seeded_signs(1000, 1, 4, "q_proj", "in");
  EXPECT_TRUE(a.equal(seeded_signs(1000, 1, 4, "q_proj", "in")));
  EXPECT_FALSE(a.equal(seeded_signs(1000, 2, 4, "q_proj", "in")));
  EXPECT_FALSE(a.equal(seeded_signs(1000, 1, 5, "q_proj", "in")));
  EXPECT_FALSE(a.equal(seeded_signs(1000, 1, 4, "k_proj", "in")));
  EXPECT_FALSE(a.equal(seeded_signs(1000, 1, 4, "q_proj", "out")));
  double mean = a.mean().item<double>();
  EXPECT_LT(std::abs(mean), 0.15);
  // Pinned values: the generator is std::mt19937_64, whose sequence the C++ standard fixes.
  auto pinned = seeded_signs(16, 0, 0, "q_proj", "in");
  std::string got;
  for (int64_t i = 0; i < 16; ++i) got += pinned[i].item<float>() > 0 ? '+' : '-';
  EXPECT_EQ(got, "++---+-++----++-");
}

TEST(Tiles, LayoutAndRoundTrip) {
  const int64_t m = 48, n = 32;
  auto w = torch::arange(m * n, torch::kFloat32).reshape({m, n});
  auto t = to_tiles(w);
  ASSERT_EQ(t.size(0), (m / 16) * (n / 16));
  ASSERT_EQ(t.size(1), 256);
  for (int64_t i : {0, 5, 17, 33, 47})
    for (int64_t j : {0, 3, 16, 31}) {
      int64_t tile = tile_index(i, j, n);
      EXPECT_EQ(tile, (i / 16) * (n / 16) + j / 16);
      EXPECT_EQ(t[tile][(i % 16) * 16 + j % 16].item<float>(), w[i][j].item<float>()) << i << "," << j;
    }
  EXPECT_TRUE(from_tiles(t, m, n).equal(w));
  EXPECT_THROW(to_tiles(torch::zeros({20, 16})), bcjr::Error);
  EXPECT_THROW(from_tiles(t, 32, 32), bcjr::Error);
}
