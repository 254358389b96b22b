// One linear of a run folder as it stands: its PTQ signs, scale and paths (checkpoints/ptq.ckpt),
// its weight now (the final hardened snapshot of a finished run; else W_latent or the hardened
// weight in the latest step checkpoint; else the PTQ reconstruction) and the unquantised weight
// from the run's model. What the layer map and the posterior view read when no run is live.
#pragma once

#include <cstdint>
#include <string>

#include "engine/quant/layer_map.h"
#include "engine/quant/qat_session.h"

namespace bcjr::quant {

// Throws a bcjr::Error naming the folder and what is missing (a run without PTQ, a linear that is
// not one of its targets).
LinearState linear_state_from_run(const std::string& run_dir, int64_t layer, const std::string& linear);

// The posterior of one tile of the linear at T (the posterior view's plain values).
TilePosteriorView linear_tile_posterior(const LinearState& s, int64_t tile, double T);

// The Hugging Face name of a target linear's weight: model.layers.4.self_attn.q_proj.weight.
std::string linear_weight_name(int64_t layer, const std::string& linear);

}  // namespace bcjr::quant
