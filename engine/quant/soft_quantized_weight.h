// The student's weight in BCJR-QAT: W_q(W_latent, T) = RHT^-1(scale * untile(BCJR soft codeword
// of tiles(RHT(W_latent) / scale) at T)), with the linear's PTQ signs and scale frozen. Autograd
// runs through the RHT and tiling ops and through soft_quantize's exact VJP (never the recursion).
#pragma once

#include <torch/types.h>

#include "engine/quant/trellis_code.h"
#include "engine/quant/quantized_linear.h"

namespace bcjr::quant {

torch::Tensor soft_quantized_weight(const torch::Tensor& w_latent, const QuantizedLinear& q, const TrellisCode& code,
                                    double T);

}  // namespace bcjr::quant
