// The random Hadamard transform (incoherence processing) of one linear weight W [out m, in n]:
// W~ = H_m diag(s_v) W diag(s_u) H_n^T, with sign vectors drawn from a seed per (layer, linear)
// by a platform-independent generator, so that a run's transform is fixed by its manifest.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "engine/quant/hadamard.h"

namespace bcjr::quant {

// +-1 float32 vector of length n, deterministic in (seed, layer, linear, which) on every platform.
torch::Tensor seeded_signs(int64_t n, uint64_t seed, int64_t layer, const std::string& linear,
                           const std::string& which);

class LinearRht {
 public:
  // s_out [m] and s_in [n] are +-1 vectors; throws a bcjr::Error if a size has no Hadamard matrix.
  LinearRht(torch::Tensor s_out, torch::Tensor s_in);
  // Signs from seeded_signs(.., "out") and (.., "in").
  static LinearRht seeded(int64_t m, int64_t n, uint64_t seed, int64_t layer, const std::string& linear);

  int64_t rows() const { return h_out_.size(); }
  int64_t cols() const { return h_in_.size(); }
  const torch::Tensor& signs_out() const { return s_out_; }
  const torch::Tensor& signs_in() const { return s_in_; }

  // W [m, n] -> W~ (differentiable torch ops).
  torch::Tensor forward(const torch::Tensor& w) const;
  // W~ -> W, the exact inverse (the transform is orthogonal).
  torch::Tensor inverse(const torch::Tensor& w_rot) const;
  // Proxy Hessian of the inputs H [n, n] -> H_n diag(s_u) H diag(s_u) H_n^T, so that
  // tr(dW H dW^T) == tr(dW~ H~ dW~^T).
  torch::Tensor rotate_hessian(const torch::Tensor& h) const;

 private:
  torch::Tensor s_out_, s_in_;
  HadamardTransform h_out_, h_in_;
};

}  // namespace bcjr::quant
