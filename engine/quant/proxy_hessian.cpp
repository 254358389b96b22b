#include "engine/quant/proxy_hessian.h"

#include <torch/torch.h>

#include "engine/core/error.h"

namespace bcjr::quant {

ProxyHessian::ProxyHessian(int64_t in_features)
    : n_(in_features), sum_(torch::zeros({in_features, in_features}, torch::kFloat64)) {}

void ProxyHessian::add(const torch::Tensor& x) {
  BCJR_CHECK(x.dim() >= 1 && x.size(-1) == n_, "proxy Hessian of a linear with ", n_, " inputs: got activations ",
             x.sizes());
  auto flat = x.detach().reshape({-1, n_}).to(torch::kCPU, torch::kFloat64);
  sum_.addmm_(flat.t(), flat);
  count_ += flat.size(0);
}

torch::Tensor ProxyHessian::mean() const {
  BCJR_CHECK(count_ > 0, "proxy Hessian: no calibration inputs were observed");
  return sum_ / double(count_);
}

}  // namespace bcjr::quant
