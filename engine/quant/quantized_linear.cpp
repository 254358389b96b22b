#include "engine/quant/quantized_linear.h"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/quant/tiles.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {

torch::Tensor normalised_tiles(const LinearRht& rht, double scale, const torch::Tensor& w) {
  return to_tiles(rht.forward(w.to(torch::kFloat32)) * (1.0 / scale)).contiguous();
}

torch::Tensor from_normalised_tiles(const LinearRht& rht, double scale, const torch::Tensor& tiles) {
  return rht.inverse(from_tiles(tiles, rht.rows(), rht.cols()) * scale);
}

double rms_scale(const torch::Tensor& w_rot, double target_rms) {
  const double rms = std::sqrt(w_rot.to(torch::kFloat64).pow(2).mean().item<double>());
  BCJR_CHECK(std::isfinite(rms) && rms > 0, "quantisation: the weight's RMS is ", rms, " (all zero or not finite)");
  return rms / target_rms;
}

torch::Tensor dequantize(const QuantizedLinear& q, const TrellisCode& code) {
  BCJR_CHECK(q.states.defined() && q.states.dim() == 2 && q.states.size(1) == code.spec.steps(),
             "dequantise layer ", q.layer, " ", q.name, ": paths do not match ", code.spec.describe());
  auto cw = trellis::codeword_from_states(q.states, code.spec, *code.codebook);
  return from_normalised_tiles(q.rht(), q.scale, cw);
}

trellis::ViterbiResult viterbi_tiles(const torch::Tensor& tiles, const TrellisCode& code, const torch::Device& device) {
  auto r = trellis::viterbi(tiles.to(device).contiguous(), code.spec, *code.codebook, code.boundary);
  r.states = r.states.to(torch::kCPU);
  r.codeword = r.codeword.to(torch::kCPU);
  r.energy = r.energy.to(torch::kCPU);
  return r;
}

torch::Tensor harden(const QuantizedLinear& q, const TrellisCode& code, const torch::Tensor& w, std::string* method) {
  auto r = viterbi_tiles(normalised_tiles(q.rht(), q.scale, w.detach()), code, w.device());
  if (method) *method = r.method;
  return r.states;
}

FlipCount count_flips(const torch::Tensor& states, const torch::Tensor& reference) {
  BCJR_CHECK(states.sizes() == reference.sizes(), "codeword flips: paths of shape ", states.sizes(), " and ",
             reference.sizes(), " differ");
  auto diff = states.ne(reference);
  FlipCount f;
  f.steps = diff.sum().item<int64_t>();
  f.tiles = diff.any(1).sum().item<int64_t>();
  return f;
}

}  // namespace bcjr::quant
