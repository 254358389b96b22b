// The two estimators of a quantiser's per-tile slope that JacQuant learns its b_g from, and the
// smoothing that turns estimates into slopes (docs/METHODS.md). A quantiser here is any map of
// tiles [tiles, n] -> [tiles, n] (the hard trellis, the BCJR soft codeword, a synthetic one); the
// slope of a tile is the mean diagonal of the quantiser's (smoothed) Jacobian, tr J / n.
//   Probe:  mean over directions r in {-1, +1}^n of <r, Q(x + h r) - Q(x - h r)> / (2 h n);
//           E[r r^T] = I, so this is tr of the finite-difference Jacobian at scale h.
//   Dither: mean over e ~ N(0, sigma^2 I) of <Q(x + e) - Q(x), e> / (sigma^2 n); by Stein's
//           lemma E[Q(x + e) e^T] / sigma^2 is the Jacobian of the Gaussian-smoothed quantiser,
//           and Q(x) (the cached hard output) is a control variate with mean zero.
// Random directions and dither come from a seeded CPU generator, so a resumed run draws the same.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "engine/quant/qat_method.h"

namespace bcjr::quant {

using TileQuantizer = std::function<torch::Tensor(const torch::Tensor&)>;

// x: float32 [tiles, n]; h: float32 [tiles] probe sizes (> 0). Returns float32 [tiles].
torch::Tensor probe_slopes(const TileQuantizer& q, const torch::Tensor& x, const torch::Tensor& h, int count,
                           uint64_t seed);
// q_x = q(x), the cached output; sigma: float32 [tiles] dither scales (> 0). Returns float32 [tiles].
torch::Tensor dither_slopes(const TileQuantizer& q, const torch::Tensor& x, const torch::Tensor& q_x,
                            const torch::Tensor& sigma, int count, uint64_t seed);

// One refresh of slopes `b` [tiles] from estimates `est` [tiles]: exponential moving average,
// clip to [o.lo, o.hi], shrink toward the mean of b.
torch::Tensor smooth_slopes(const torch::Tensor& b, const torch::Tensor& est, const JacQuantOptions& o);

// The exactly smoothed slope of the BCJR soft codeword at T for each tile: (2/T) tr Cov_P / n,
// i.e. the mean diagonal of its Jacobian d w_hat / d w = (2/T) Cov_P (ALGORITHM.md 4), from the
// posterior variances. `variance` is float [tiles, n] of Var_P[c] per weight.
torch::Tensor bcjr_slopes_from_variance(const torch::Tensor& variance, double T);

}  // namespace bcjr::quant
