// BlockLDLQ against a direct implementation (block LDL by Schur complements, the error feedback
// written out term by term), its optimality identity, and the proxy Hessian and proxy error.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/quant/ldlq.h"
#include "engine/quant/proxy_hessian.h"

using namespace bcjr::quant;

namespace {

torch::Tensor round_to_grid(const torch::Tensor& x, double step) { return torch::round(x / step) * step; }

// Block LDL by block Gaussian elimination: L[:, k] = S[:, k] D_k^-1 of the Schur complement S.
std::pair<torch::Tensor, std::vector<torch::Tensor>> schur_block_ldl(torch::Tensor h, int64_t b) {
  const int64_t n = h.size(0), nb = n / b;
  auto s = h.clone();
  auto l = torch::zeros_like(h);
  std::vector<torch::Tensor> d;
  for (int64_t k = 0; k < nb; ++k) {
    auto dk = s.slice(0, k * b, (k + 1) * b).slice(1, k * b, (k + 1) * b).clone();
    d.push_back(dk);
    auto col = s.slice(0, k * b, n).slice(1, k * b, (k + 1) * b).clone();
    l.slice(0, k * b, n).slice(1, k * b, (k + 1) * b).copy_(col.mm(torch::inverse(dk)));
    auto lk = l.slice(0, k * b, n).slice(1, k * b, (k + 1) * b);
    s.slice(0, k * b, n).slice(1, k * b, n) -= lk.mm(dk).mm(lk.t());
  }
  return {l, d};
}

torch::Tensor random_hessian(int64_t n, int64_t samples) {
  auto x = torch::randn({samples, n}, torch::kFloat64) * torch::linspace(0.2, 3.0, n, torch::kFloat64);
  ProxyHessian acc(n);
  acc.add(x.slice(0, 0, samples / 2));
  acc.add(x.slice(0, samples / 2, samples).reshape({-1, 1, n}));
  return damp_hessian(acc.mean());
}

}  // namespace

TEST(Ldlq, BlockLdlReconstructsAndMatchesSchur) {
  torch::manual_seed(3);
  const int64_t n = 64, b = 16;
  auto h = random_hessian(n, 40);  // rank-deficient before damping
  auto ldl = block_ldl(h, b);
  auto d_full = torch::zeros({n, n}, torch::kFloat64);
  for (int64_t i = 0; i < n / b; ++i) d_full.slice(0, i * b, (i + 1) * b).slice(1, i * b, (i + 1) * b).copy_(ldl.D[i]);
  EXPECT_LT((ldl.L.mm(d_full).mm(ldl.L.t()) - h).abs().max().item<double>(), 1e-9);
  auto ref = schur_block_ldl(h, b);
  EXPECT_LT((ldl.L - ref.first).abs().max().item<double>(), 1e-8);
  for (int64_t i = 0; i < n / b; ++i) EXPECT_LT((ldl.D[i] - ref.second[i]).abs().max().item<double>(), 1e-8);
  // Unit diagonal blocks, zero above the block diagonal.
  for (int64_t i = 0; i < n / b; ++i)
    EXPECT_LT((ldl.L.slice(0, i * b, (i + 1) * b).slice(1, i * b, (i + 1) * b) - torch::eye(b, torch::kFloat64))
                  .abs().max().item<double>(), 1e-9);
  EXPECT_EQ(ldl.L.slice(0, 0, b).slice(1, b, n).abs().max().item<double>(), 0.0);
}

TEST(Ldlq, MatchesDirectImplementationWithRounding) {
  torch::manual_seed(4);
  const int64_t m = 32, n = 64, b = 16;
  const double step = 0.37;
  auto w = torch::randn({m, n}, torch::kFloat64);
  auto h = random_hessian(n, 200);
  std::vector<int64_t> order;
  auto got = block_ldlq(w, h, [&](const torch::Tensor& t, int64_t i) {
    order.push_back(i);
    return round_to_grid(t, step);
  });
  EXPECT_EQ(order, (std::vector<int64_t>{3, 2, 1, 0}));
  // Direct: W_hat_i = Q(W_i + sum_{j > i} (W_j - W_hat_j) L[j, i]), every term written out.
  auto l = schur_block_ldl(h, b).first;
  auto want = torch::zeros_like(w);
  for (int64_t i = n / b - 1; i >= 0; --i) {
    auto target = w.slice(1, i * b, (i + 1) * b).clone();
    for (int64_t j = i + 1; j < n / b; ++j)
      target += (w.slice(1, j * b, (j + 1) * b) - want.slice(1, j * b, (j + 1) * b))
                    .mm(l.slice(0, j * b, (j + 1) * b).slice(1, i * b, (i + 1) * b));
    want.slice(1, i * b, (i + 1) * b).copy_(round_to_grid(target, step));
  }
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-9);
  // The feedback helps: LDLQ's proxy error is below plain rounding's on this Hessian.
  EXPECT_LT(proxy_error(w, got, h), proxy_error(w, round_to_grid(w, step), h));
}

TEST(Ldlq, LossDecomposesOverBlockResiduals) {
  // tr(E H E^T) = sum_i tr(F_i D_i F_i^T), F_i the quantiser's residual on block i's target:
  // the identity that makes LDLQ optimal block by block.
  torch::manual_seed(5);
  const int64_t m = 16, n = 48, b = 16;
  auto w = torch::randn({m, n}, torch::kFloat64);
  auto h = random_hessian(n, 100);
  auto ldl = block_ldl(h, b);
  std::vector<torch::Tensor> residual(n / b);
  auto w_hat = block_ldlq(w, h, [&](const torch::Tensor& t, int64_t i) {
    auto q = round_to_grid(t, 0.5);
    residual[i] = q - t;
    return q;
  });
  auto e = w_hat - w;
  double lhs = (e.mm(h) * e).sum().item<double>();
  double rhs = 0;
  for (int64_t i = 0; i < n / b; ++i) rhs += (residual[i].mm(ldl.D[i]) * residual[i]).sum().item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-9 * lhs);
}

TEST(Ldlq, IdentityHessianIsPlainRounding) {
  torch::manual_seed(6);
  auto w = torch::randn({16, 32}, torch::kFloat64);
  auto got = block_ldlq(w, torch::eye(32, torch::kFloat64), [](const torch::Tensor& t, int64_t) { return round_to_grid(t, 0.3); });
  EXPECT_TRUE(got.equal(round_to_grid(w, 0.3)));
  EXPECT_NEAR(proxy_error(w, w, torch::eye(32, torch::kFloat64)), 0.0, 0.0);
}

TEST(Ldlq, BadInputIsAnError) {
  auto w = torch::randn({16, 32}, torch::kFloat64);
  EXPECT_THROW(block_ldlq(w, torch::eye(48, torch::kFloat64), [](const torch::Tensor& t, int64_t) { return t; }), bcjr::Error);
  EXPECT_THROW(block_ldl(-torch::eye(32, torch::kFloat64)), bcjr::Error);
  EXPECT_THROW(block_ldlq(w, torch::eye(32, torch::kFloat64), [](const torch::Tensor& t, int64_t) { return t.slice(1, 0, 8); }),
               bcjr::Error);
  EXPECT_THROW(ProxyHessian(32).mean(), bcjr::Error);
  EXPECT_THROW(ProxyHessian(32).add(torch::zeros({4, 31})), bcjr::Error);
  EXPECT_THROW(damp_hessian(torch::zeros({32, 32})), bcjr::Error);
}
