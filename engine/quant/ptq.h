// Post-training quantisation of one linear: RHT with seeded signs, RMS scale, 16x16 tiles, then
// either plain Viterbi on every tile (`rht`, the paper's baseline) or BlockLDLQ with the rotated,
// damped proxy Hessian and Viterbi as its block quantiser (`ldlq`, QTIP's).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "engine/quant/trellis_code.h"
#include "engine/quant/quantized_linear.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

enum class PtqMode { Rht, Ldlq };
PtqMode parse_ptq_mode(const std::string& name);  // "rht" | "ldlq"
const char* ptq_mode_name(PtqMode m);

struct PtqLinearResult {
  QuantizedLinear q;
  torch::Tensor reconstruction;  // fp32 [rows, cols]: dequantize(q)
  double mse = 0;                // mean (W_q - W)^2 in the original units
  double normalised_mse = 0;     // the same in the normalised RHT domain (trellis units)
  double proxy_error = -1;       // tr(dW H dW^T) / tr(W H W^T); -1 without a Hessian
  double seconds = 0;
};

// hessian: the linear's input proxy Hessian [cols, cols] (undefined: none). Ldlq needs it; Rht
// uses it only to report the proxy error. Signs come from (seed, layer, name).
PtqLinearResult ptq_linear(const torch::Tensor& w, const torch::Tensor& hessian, int64_t layer, const std::string& name,
                           PtqMode mode, const TrellisCode& code, uint64_t seed, double damping = 0.01,
                           ProgressReporter* progress = nullptr);

}  // namespace bcjr::quant
