// BlockLDLQ (QTIP): quantise a rotated weight in 16-column blocks from last to first, feeding
// each block's quantisation error into the blocks before it through the block-LDL factor of the
// damped proxy Hessian, which minimises tr(dW H dW^T) block by block. The quantiser is a callback
// (the trellis in PTQ, plain rounding in the tests).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

// Quantises the target of column block `block` ([m, b] float64) and returns its reconstruction.
using BlockQuantizer = std::function<torch::Tensor(const torch::Tensor& target, int64_t block)>;

// H + rel * mean(diag H) * I (QTIP's damping, rel = 0.01), in float64.
torch::Tensor damp_hessian(const torch::Tensor& h, double rel = 0.01);

// H = L D L^T with L unit lower block-triangular and D block-diagonal (blocks of `block`), from
// the Cholesky factor. Throws a bcjr::Error if H is not positive definite. float64.
struct BlockLdl {
  torch::Tensor L;  // [n, n]
  torch::Tensor D;  // [n/block, block, block]
};
BlockLdl block_ldl(const torch::Tensor& h, int64_t block = 16);

// Returns W_hat [m, n] (float64): block i's target is W_i + sum_{j>i} (W_j - W_hat_j) L[j, i].
// Checks cancellation through `progress` between blocks.
torch::Tensor block_ldlq(const torch::Tensor& w, const torch::Tensor& h, const BlockQuantizer& quantize,
                         int64_t block = 16, ProgressReporter* progress = nullptr);

// tr(dW H dW^T) / tr(W H W^T), QTIP's proxy error.
double proxy_error(const torch::Tensor& w, const torch::Tensor& w_hat, const torch::Tensor& h);

}  // namespace bcjr::quant
