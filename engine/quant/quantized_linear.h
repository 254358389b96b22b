// One trellis-quantised linear: its RHT signs, frozen scale and tile paths, and the maps between
// the original basis and the normalised tiled RHT domain where the trellis works:
//   tiles = to_tiles(RHT(W) / scale),   W = RHT^-1(from_tiles(tiles) * scale).
// PTQ produces one; BCJR-QAT keeps its signs and scale frozen and updates its paths by hardening.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "engine/quant/trellis_code.h"
#include "engine/quant/rht.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {

struct QuantizedLinear {
  int64_t layer = -1;
  std::string name;            // q_proj ... down_proj
  int64_t rows = 0, cols = 0;  // [out, in]
  torch::Tensor signs_out;     // float32 [rows], +-1
  torch::Tensor signs_in;      // float32 [cols], +-1
  double scale = 1;            // sigma: RHT(W) / sigma has the code's target RMS
  torch::Tensor states;        // int32 [tiles, N]: the tail-biting (or free) path of every tile
  std::string method;          // the Viterbi method that found the paths

  LinearRht rht() const { return LinearRht(signs_out, signs_in); }
  int64_t tiles() const { return states.size(0); }
};

// RHT(W) / scale as tiles, float32 [tiles, 256] (differentiable).
torch::Tensor normalised_tiles(const LinearRht& rht, double scale, const torch::Tensor& w);
// The inverse map: tiles -> [rows, cols] in the original basis (differentiable).
torch::Tensor from_normalised_tiles(const LinearRht& rht, double scale, const torch::Tensor& tiles);
// scale such that RHT(W) / scale has RMS target_rms.
double rms_scale(const torch::Tensor& w_rot, double target_rms);

// The weight the paths encode, fp32 [rows, cols].
torch::Tensor dequantize(const QuantizedLinear& q, const TrellisCode& code);
// Viterbi of normalised tiles with the code's boundary, run on `device` (the CUDA kernels when it
// is a GPU); states, codeword and energy come back on the CPU, where the paths are kept.
trellis::ViterbiResult viterbi_tiles(const torch::Tensor& tiles, const TrellisCode& code, const torch::Device& device);
// Hard quantisation of W with the frozen signs and scale of q (Viterbi with q's boundary, on W's
// device): int32 [tiles, N] on the CPU. `method` (optional) receives the Viterbi method used.
torch::Tensor harden(const QuantizedLinear& q, const TrellisCode& code, const torch::Tensor& w,
                     std::string* method = nullptr);

// Codeword flips of `states` against `reference` (both int32 [tiles, N]): the steps whose
// state differs and the tiles with at least one such step.
struct FlipCount {
  int64_t steps = 0;
  int64_t tiles = 0;
};
FlipCount count_flips(const torch::Tensor& states, const torch::Tensor& reference);

}  // namespace bcjr::quant
