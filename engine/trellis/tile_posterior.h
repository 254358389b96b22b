// The posterior of one tile under the BCJR distribution, for the GUI's posterior view: per step,
// the symbol marginals, the mean and variance of the emitted codeword, and optionally the full
// state marginals (N x 2^L floats: 32 MB at L=16, n=256, so only on request).
#pragma once

#include <string>
#include <vector>

#include "engine/trellis/bcjr.h"

namespace bcjr::trellis {

struct TilePosterior {
  int steps = 0, symbols = 0, V = 0;
  int64_t states = 0;
  std::vector<float> symbol_marginals;  // [N * 2^kV]
  std::vector<float> mean;              // [N * V]: the soft codeword
  std::vector<float> variance;          // [N * V]: Var_P[c(s_t)] per component
  std::vector<float> state_marginals;   // [N * 2^L] if asked for, else empty
  double log_z = 0;
  std::string method;
};

// w_tile: n floats. opt.symbol_marginals is ignored (always filled).
TilePosterior tile_posterior(const std::vector<float>& w_tile, const TrellisSpec& spec, const Codebook& cb,
                             const BcjrOptions& opt, bool want_state_marginals = false);

}  // namespace bcjr::trellis
