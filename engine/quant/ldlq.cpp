#include "engine/quant/ldlq.h"

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/core/progress.h"

namespace bcjr::quant {

torch::Tensor damp_hessian(const torch::Tensor& h, double rel) {
  BCJR_CHECK(h.dim() == 2 && h.size(0) == h.size(1), "proxy Hessian: expected a square matrix, got ", h.sizes());
  auto hd = h.to(torch::kFloat64);
  const double mean_diag = hd.diagonal().mean().item<double>();
  BCJR_CHECK(std::isfinite(mean_diag) && mean_diag > 0, "proxy Hessian: mean of its diagonal is ", mean_diag,
             " (no calibration inputs, or non-finite activations)");
  return hd + rel * mean_diag * torch::eye(h.size(0), torch::kFloat64);
}

BlockLdl block_ldl(const torch::Tensor& h, int64_t block) {
  const int64_t n = h.size(0);
  BCJR_CHECK(h.dim() == 2 && h.size(1) == n && block > 0 && n % block == 0, "block LDL: Hessian ", h.sizes(),
             " is not square with a side that is a multiple of ", block);
  auto hd = h.to(torch::kFloat64);
  auto chol = torch::linalg_cholesky_ex(hd);
  BCJR_CHECK(std::get<1>(chol).item<int64_t>() == 0, "block LDL: the proxy Hessian is not positive definite");
  auto c = std::get<0>(chol);
  const int64_t nb = n / block;
  // C = L B with B = blockdiag(C_ii): L = C B^-1 and D_i = C_ii C_ii^T.
  auto diag_blocks = torch::empty({nb, block, block}, torch::kFloat64);
  for (int64_t i = 0; i < nb; ++i) diag_blocks[i] = c.slice(0, i * block, (i + 1) * block).slice(1, i * block, (i + 1) * block);
  auto inv = torch::linalg_inv(diag_blocks);
  auto l = torch::empty_like(c);
  for (int64_t i = 0; i < nb; ++i) {
    auto cols = c.slice(1, i * block, (i + 1) * block);
    l.slice(1, i * block, (i + 1) * block).copy_(torch::matmul(cols, inv[i]));
  }
  auto d = torch::matmul(diag_blocks, diag_blocks.transpose(1, 2));
  return {l, d};
}

torch::Tensor block_ldlq(const torch::Tensor& w, const torch::Tensor& h, const BlockQuantizer& quantize, int64_t block,
                         ProgressReporter* progress) {
  BCJR_CHECK(w.dim() == 2 && h.dim() == 2 && h.size(0) == w.size(1) && h.size(1) == w.size(1),
             "BlockLDLQ: weight ", w.sizes(), " and proxy Hessian ", h.sizes(), " do not match");
  const int64_t m = w.size(0), n = w.size(1), nb = n / block;
  auto ldl = block_ldl(h, block);
  auto wd = w.to(torch::kFloat64);
  auto w_hat = torch::zeros_like(wd);
  auto err = torch::zeros_like(wd);  // W - W_hat on the blocks already quantised
  ProgressStage stage(progress, "BlockLDLQ", nb);
  for (int64_t i = nb - 1; i >= 0; --i) {
    const int64_t b0 = i * block, b1 = b0 + block;
    auto target = wd.slice(1, b0, b1).clone();
    if (b1 < n) target += torch::matmul(err.slice(1, b1, n), ldl.L.slice(0, b1, n).slice(1, b0, b1));
    auto q = quantize(target, i).to(torch::kFloat64);
    BCJR_CHECK(q.dim() == 2 && q.size(0) == m && q.size(1) == block, "BlockLDLQ: the quantiser returned ",
               q.sizes(), " for a [", m, ", ", block, "] block");
    w_hat.slice(1, b0, b1).copy_(q);
    err.slice(1, b0, b1).copy_(wd.slice(1, b0, b1) - q);
    stage.advance();
  }
  return w_hat;
}

double proxy_error(const torch::Tensor& w, const torch::Tensor& w_hat, const torch::Tensor& h) {
  auto wd = w.to(torch::kFloat64), hd = h.to(torch::kFloat64);
  auto dw = w_hat.to(torch::kFloat64) - wd;
  const double num = (torch::matmul(dw, hd) * dw).sum().item<double>();
  const double den = (torch::matmul(wd, hd) * wd).sum().item<double>();
  BCJR_CHECK(den > 0, "proxy error: tr(W H W^T) is ", den);
  return num / den;
}

}  // namespace bcjr::quant
