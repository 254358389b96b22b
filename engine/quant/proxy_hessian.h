// The proxy Hessian H = E[x x^T] of one linear's inputs, accumulated in float64 over calibration
// batches (QTIP's Hessian for BlockLDLQ and the proxy error).
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace bcjr::quant {

class ProxyHessian {
 public:
  explicit ProxyHessian(int64_t in_features);
  // x: [..., in_features]; every leading index is one input vector.
  void add(const torch::Tensor& x);
  int64_t count() const { return count_; }
  // Sum of x x^T / count; throws a bcjr::Error if nothing was added.
  torch::Tensor mean() const;

 private:
  int64_t n_;
  int64_t count_ = 0;
  torch::Tensor sum_;  // [n, n] float64
};

}  // namespace bcjr::quant
