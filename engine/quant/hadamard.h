// Orthonormal Hadamard transforms of any order 2^a * p, where p is 1 or the order of a Paley
// matrix (12, 20, 24, 28, 36, 44, ...). Applied as a fast Walsh-Hadamard butterfly on the 2^a
// factor and a small dense product on the p factor, in differentiable torch ops.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace bcjr::quant {

// A +-1 Hadamard matrix of order p by Paley construction I (p = q + 1, q prime, q = 3 mod 4) or
// II (p = 2(q + 1), q prime, q = 1 mod 4); order 1 and 2 are [1] and [[1,1],[1,-1]]. Throws a
// bcjr::Error for an order neither construction reaches. float32, unnormalised.
torch::Tensor paley_hadamard(int64_t p);
// Whether paley_hadamard(p) exists.
bool paley_order_supported(int64_t p);
// The +-1 Sylvester matrix of order 2^a, H[i][j] = (-1)^popcount(i & j), float32 (reference).
torch::Tensor sylvester_hadamard(int64_t n);

// H_n = (P_p kron S_{2^a}) / sqrt(n) with index i = i_p * 2^a + i_2. The smallest p that the
// Paley constructions reach is chosen, so the factorisation is fixed by n alone.
class HadamardTransform {
 public:
  // Throws a bcjr::Error naming n if no supported factorisation exists.
  explicit HadamardTransform(int64_t n);
  int64_t size() const { return n_; }
  int64_t core_order() const { return p_; }
  int64_t power_of_two() const { return pow2_; }
  // y = H x (or H^T x) along the last dimension of x (any leading shape, float).
  torch::Tensor apply(const torch::Tensor& x, bool transpose = false) const;
  // The explicit orthonormal matrix in float64, built by torch::kron (the reference for apply).
  torch::Tensor dense() const;

 private:
  int64_t n_, p_, pow2_;
  torch::Tensor core_;  // [p, p] +-1, float32
};

// Whether HadamardTransform(n) can be built.
bool hadamard_order_supported(int64_t n);

}  // namespace bcjr::quant
