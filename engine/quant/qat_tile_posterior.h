// The posterior view's service on a running BCJR-QAT: the posterior of one tile of a target linear
// at any temperature T, with the tile's normalised target weights and its hard Viterbi symbols.
// A query comes in two parts so that no lock is held while it computes: a QatTileSource is copied
// from the trainer under its lock (the linear's frozen PTQ signs, scale and paths, and a copy of its
// current weight), and the BCJR and Viterbi then run on that copy, on the caller's thread, through
// the same service as any other tile (engine/physics/tile_posterior_view.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/physics/tile_posterior_view.h"
#include "engine/quant/ptq_model.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/trellis_code.h"

namespace bcjr::quant {

struct QatTileSource {
  LinearKey key;
  int64_t tile = 0;
  QuantizedLinear q;  // frozen signs and scale (the paths are PTQ's)
  torch::Tensor w;    // the linear's weight now: W_latent while it trains, else hardened or PTQ
  TrellisCode code;
};

// The tile's normalised weights as the physics service's problem, labelled "layer 4 q_proj, tile 17".
physics::TileProblem qat_tile_problem(const QatTileSource& source);
// Its posterior at T (tile_posterior_view of qat_tile_problem).
physics::TilePosteriorView qat_tile_posterior(const QatTileSource& source, double T);

}  // namespace bcjr::quant
