// The layer map: one number per 16x16 tile of a quantised linear, for a heat map over its tile
// grid. The quantisation error of the hard path of the weight now against the unquantised weight,
// the codeword flips of that path against the PTQ path, or the entropy of the BCJR posterior at a
// temperature T. Computed in chunks of tiles, checking for cancellation between them, on the
// caller's thread (a worker's, never the GUI's), from a LinearState copied out of a live run or
// read from a run folder (run_linear_state.h).
#pragma once

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/quant/quantized_linear.h"
#include "engine/quant/trellis_code.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

// One linear of a run as the layer map and the posterior view need it.
struct LinearState {
  QuantizedLinear q;   // frozen PTQ signs and scale; q.states are the PTQ paths
  torch::Tensor w;     // the weight now, [rows, cols] in the original basis: W_latent, hardened or PTQ
  torch::Tensor w_fp;  // the unquantised (teacher's) weight, same shape
  std::string what;    // which weight `w` is: "W_latent after step 7", "hardened", "PTQ"
  TrellisCode code;
};

enum class LayerMapMetric { QuantisationError, Flips, Entropy };
LayerMapMetric parse_layer_map_metric(const std::string& name);  // "error" | "flips" | "entropy"
const char* layer_map_metric_name(LayerMapMetric m);

struct LayerMapOptions {
  LayerMapMetric metric = LayerMapMetric::Flips;
  double T = 0.1;             // Entropy only
  int64_t chunk = 128;        // tiles per chunk between cancellation checks
  ProgressReporter* progress = nullptr;        // a false from report() cancels
  const std::atomic<bool>* cancel = nullptr;   // set: throw bcjr::Cancelled at the next chunk
};

struct LayerMap {
  int64_t tile_rows = 0, tile_cols = 0;  // the grid: rows/16 x cols/16
  std::vector<double> values;           // per tile, by tile index (i/16)*(cols/16) + j/16
  LayerMapMetric metric = LayerMapMetric::Flips;
  std::string unit;                     // what a value means, for the colour scale
  double T = 0;                         // Entropy: the temperature
  std::string method;                   // the Viterbi or BCJR method used
  int64_t argmax() const;               // the tile with the largest value (the first of ties)
};

LayerMap layer_map(const LinearState& s, const LayerMapOptions& o);

}  // namespace bcjr::quant
