#include "engine/quant/scalar_quantizer.h"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/quant/hadamard.h"

namespace bcjr::quant {
namespace {

void check_matrix(const torch::Tensor& w, const char* what) {
  BCJR_CHECK(w.defined() && w.dim() == 2 && w.is_floating_point(), what, ": expected a 2-D float weight, got ",
             w.defined() ? w.sizes() : at::IntArrayRef{});
}

void check_bits(int bits, const char* what) {
  BCJR_CHECK(bits >= 1 && bits <= 4, what, ": ", bits, " bits per weight (1..4)");
}

torch::Tensor row_rms(const torch::Tensor& w) { return w.pow(2).mean(1).sqrt(); }

torch::Tensor centred_levels(const torch::Tensor& codes, int bits) {
  return codes.to(torch::kFloat32) - 0.5 * double((1 << bits) - 1);
}

}  // namespace

double rtn_optimal_step(int bits) {
  check_bits(bits, "rtn");
  // Max (1960), Table II: optimum uniform quantiser step for a unit normal with 2, 4, 8, 16 levels.
  static const double steps[] = {1.5958, 0.9957, 0.5860, 0.3352};
  return steps[bits - 1];
}

torch::Tensor rtn_scales(const torch::Tensor& w, int bits) {
  check_matrix(w, "rtn");
  torch::NoGradGuard ng;
  return (rtn_optimal_step(bits) * row_rms(w.detach().to(torch::kFloat32))).clamp_min(1e-12);
}

torch::Tensor rtn_codes(const torch::Tensor& w, const torch::Tensor& scales, int bits) {
  check_matrix(w, "rtn");
  check_bits(bits, "rtn");
  BCJR_CHECK(scales.dim() == 1 && scales.size(0) == w.size(0), "rtn: ", scales.sizes(), " scales for ", w.size(0),
             " rows");
  torch::NoGradGuard ng;
  auto t = torch::floor(w.detach().to(torch::kFloat32) / scales.to(w.device()).unsqueeze(1)) + double(1 << (bits - 1));
  return t.clamp(0, (1 << bits) - 1).to(torch::kUInt8);
}

torch::Tensor rtn_dequantize(const torch::Tensor& codes, const torch::Tensor& scales, int bits) {
  check_bits(bits, "rtn");
  return centred_levels(codes, bits) * scales.to(codes.device(), torch::kFloat32).unsqueeze(1);
}

torch::Tensor rtn_weight(const torch::Tensor& w, const torch::Tensor& scales, int bits) {
  auto q = rtn_dequantize(rtn_codes(w, scales, bits), scales, bits);
  return w + (q - w).detach();
}

int64_t bbq_block(int64_t cols) {
  BCJR_CHECK(cols > 0, "bbq: ", cols, " input columns");
  int64_t b = 1;
  while (b < kBbqBlock && cols % (b * 2) == 0) b *= 2;
  return b;
}

torch::Tensor bbq_transform(const torch::Tensor& w, int64_t block) {
  check_matrix(w, "bbq");
  BCJR_CHECK(block >= 1 && w.size(1) % block == 0, "bbq: block ", block, " does not divide ", w.size(1), " columns");
  if (block == 1) return w;
  HadamardTransform h(block);
  return h.apply(w.reshape({w.size(0), w.size(1) / block, block})).reshape(w.sizes());
}

torch::Tensor bbq_initial_scales(const torch::Tensor& w) {
  check_matrix(w, "bbq");
  torch::NoGradGuard ng;
  return (kBbqScaleInit * row_rms(w.detach().to(torch::kFloat32))).clamp_min(1e-12);
}

torch::Tensor bbq_position(const torch::Tensor& w, int64_t block, int bits) {
  check_bits(bits, "bbq");
  auto x = bbq_transform(w, block);  // in w's dtype (the tests use float64)
  auto z = x / row_rms(x).clamp_min(1e-12).unsqueeze(1);
  auto u = 0.5 * (1 + torch::erf(z * 0.70710678118654752440));
  return u * double(1 << bits) - 0.5;
}

torch::Tensor bbq_codes(const torch::Tensor& w, int64_t block, int bits) {
  torch::NoGradGuard ng;
  return torch::round(bbq_position(w.detach(), block, bits)).clamp(0, (1 << bits) - 1).to(torch::kUInt8);
}

torch::Tensor bbq_dequantize(const torch::Tensor& codes, const torch::Tensor& scales, int64_t block, int bits) {
  check_bits(bits, "bbq");
  auto y = centred_levels(codes, bits) * (scales.to(codes.device(), torch::kFloat32) / double(1 << (bits - 1))).unsqueeze(1);
  return bbq_transform(y, block);
}

torch::Tensor bbq_weight(const torch::Tensor& w, const torch::Tensor& scales, int64_t block, int bits, bool round) {
  BCJR_CHECK(scales.dim() == 1 && scales.size(0) == w.size(0), "bbq: ", scales.sizes(), " scales for ", w.size(0),
             " rows");
  auto t = bbq_position(w, block, bits);
  if (round) t = t + (torch::round(t.detach()).clamp(0, (1 << bits) - 1) - t.detach());
  auto y = (t - 0.5 * double((1 << bits) - 1)) * (scales / double(1 << (bits - 1))).unsqueeze(1);
  return bbq_transform(y, block);
}

}  // namespace bcjr::quant
