// The two scalar baselines that QAT runs compare the trellis against (docs/METHODS.md), as torch
// functions of a weight matrix W [rows, cols] with b bits per weight:
// - rtn: plain round-to-nearest onto the uniform grid (q - (2^b - 1)/2) * s_row, q in [0, 2^b),
//   with a frozen per-row step s_row = c_b * RMS(row), c_b the MSE-optimal uniform step for a
//   standard normal (0.9957 at b = 2); straight-through gradient.
// - BBQ (Bell Box Quantization, Yang & Aamodt, ICLR 2026): a block Hadamard transform along the
//   input dimension (no random signs), per-row inverse RMS, the Gaussian CDF as probability
//   integral transform, uniform rounding of u * 2^b - 1/2 into 2^b equiprobable codes, output
//   (q - (2^b - 1)/2) * s_row / 2^(b-1) in the Hadamard domain with a learned per-row s (initial
//   1.694 x RMS), mapped back to the original basis. Straight-through on the rounding only: the
//   gradient flows through the CDF, the normalisation and the transform.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace bcjr::quant {

// ---- rtn ----
// c_b: the step, in units of the standard deviation, of the MSE-optimal uniform quantiser with
// 2^b levels for a standard normal (b = 1..4).
double rtn_optimal_step(int bits);
// Per-row steps of W: c_b * RMS(row), float32 [rows] (a zero row gets a tiny positive step).
torch::Tensor rtn_scales(const torch::Tensor& w, int bits);
// Codes uint8 [rows, cols] of W for steps [rows].
torch::Tensor rtn_codes(const torch::Tensor& w, const torch::Tensor& scales, int bits);
torch::Tensor rtn_dequantize(const torch::Tensor& codes, const torch::Tensor& scales, int bits);
// The student's weight: the dequantised codes forward, the identity backward.
torch::Tensor rtn_weight(const torch::Tensor& w, const torch::Tensor& scales, int bits);

// ---- BBQ ----
constexpr double kBbqScaleInit = 1.694;  // s_row = 1.694 x RMS(row) at the start (BBQ's choice)
constexpr int64_t kBbqBlock = 128;
// The block of the input-dimension Hadamard transform for `cols` inputs: 128 where it divides
// cols, else the largest power of two that does (576 -> 64).
int64_t bbq_block(int64_t cols);
// W -> W H (each row's consecutive blocks transformed by the orthonormal Sylvester Hadamard
// matrix of order `block`, which is symmetric, so the transform is its own inverse). Differentiable.
torch::Tensor bbq_transform(const torch::Tensor& w, int64_t block);
// The per-row scales BBQ starts from: 1.694 x RMS(row), float32 [rows].
torch::Tensor bbq_initial_scales(const torch::Tensor& w);
// The continuous code position t = 2^b Phi(z) - 1/2, z = (W H) / RMS_row(W H): codes are round(t)
// clamped to [0, 2^b - 1]. Differentiable.
torch::Tensor bbq_position(const torch::Tensor& w, int64_t block, int bits);
// Codes uint8 [rows, cols] (Hadamard domain) of W.
torch::Tensor bbq_codes(const torch::Tensor& w, int64_t block, int bits);
// W_q = ((q - (2^b - 1)/2) * s_row / 2^(b-1)) H, fp32 [rows, cols].
torch::Tensor bbq_dequantize(const torch::Tensor& codes, const torch::Tensor& scales, int64_t block, int bits);
// The student's weight (gradient to w and to scales [rows]); round = false replaces the rounding
// by the identity, the function whose gradient BBQ's backward pass is (for tests).
torch::Tensor bbq_weight(const torch::Tensor& w, const torch::Tensor& scales, int64_t block, int bits,
                         bool round = true);

}  // namespace bcjr::quant
