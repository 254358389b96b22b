// The posterior and thermodynamics of one tile under the BCJR distribution, as plain values: the
// service behind the studio's posterior view, `bcjr posterior` and the posterior of a running
// BCJR-QAT session's tile. Tail-biting tiles follow the problem's method as in training: by
// default exact over every overlap up to the engine's one threshold (trellis::kMaxExactOverlaps)
// and conditioned on the Viterbi path's overlap beyond it. No torch in this header. Long computations check the thread's cancellation
// token (engine/core/cancel.h) between overlaps and temperatures.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/physics/spin_chain.h"  // gaussian_tile
#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::physics {

// One tile on a trellis: n weights in the quantiser's normalised units.
struct TileProblem {
  trellis::TrellisSpec spec;
  std::shared_ptr<const trellis::Codebook> codebook;
  trellis::Boundary boundary = trellis::Boundary::TailBiting;
  // How a tail-biting tile's BCJR treats the wrap-around (a run's --tailbiting-bcjr); "auto": the
  // engine's threshold.
  std::string tailbiting = "auto";  // "auto", "exact" or "fixed-overlap"
  std::vector<float> weights;
  std::string label;  // "Gaussian tile (seed 3)", "layer 4 q_proj, tile 17"
};

struct TilePosteriorView {
  std::string label;
  double T = 0;
  int steps = 0, symbols = 0, V = 0;
  std::vector<float> marginals;      // [steps * symbols], row-major by step
  std::vector<float> mean;           // [steps * V]: the soft codeword
  std::vector<float> variance;       // [steps * V]
  std::vector<float> target;         // [steps * V]: the tile's weights
  std::vector<int> viterbi_symbols;  // [steps]: the symbols of the hard (Viterbi) path
  double log_z = 0;
  std::string method;
};

// Checks the problem (weights finite and n of them, codebook fitting the trellis) with errors
// naming what is wrong; the posterior at temperature T > 0 and the Viterbi path.
TilePosteriorView tile_posterior_view(const TileProblem& p, double T);

// Free energy F = -T log Z and mean energy <E> = sum_t E||c(s_t) - w_t||^2 at each temperature.
struct TileThermodynamics {
  std::string label;
  std::vector<double> temperature, free_energy, energy;
};
TileThermodynamics tile_thermodynamics(const TileProblem& p, const std::vector<double>& temperatures);

}  // namespace bcjr::physics
