// The posterior view's service on a running BCJR-QAT: the posterior of one tile of a target linear
// at any temperature T, with the tile's normalised target weights and its hard Viterbi symbols.
// A query comes in two parts so that no lock is held while it computes: a QatTileSource is copied
// from the trainer under its lock (the linear's frozen PTQ signs, scale and paths, and a copy of its
// current weight), and the BCJR and Viterbi then run on that copy, on the caller's thread.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/quant/ptq_model.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/trellis_code.h"

namespace bcjr::trellis {
struct TilePosterior;
}

namespace bcjr::quant {

struct QatTileSource {
  LinearKey key;
  int64_t tile = 0;
  QuantizedLinear q;  // frozen signs and scale (the paths are PTQ's)
  torch::Tensor w;    // the linear's weight now: W_latent while it trains, else hardened or PTQ
  TrellisCode code;
};

struct QatTileQuery {
  std::vector<float> target;             // the tile's 256 normalised weights
  std::vector<int32_t> viterbi_symbols;  // per trellis step
  std::string label;                     // "layer 4 q_proj, tile 17"
};

// The posterior at T of the source's tile; fills `query` (optional) with its target and hard path.
trellis::TilePosterior qat_tile_posterior(const QatTileSource& source, double T, QatTileQuery* query);

}  // namespace bcjr::quant
