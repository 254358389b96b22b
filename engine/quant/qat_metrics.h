// What one BCJR-QAT step reports (docs/ALGORITHM.md 7, issue 6): plain structs with no torch in them,
// for the CLI, the GUI's views (loss, schedule, flips-vs-radius, posterior) and metrics.jsonl.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::quant {

// The distribution of a JacQuant linear's per-tile slopes b_g after a step (empty `hist`: the
// method has none).
struct SlopeSummary {
  double mean = 0, sd = 0, min = 0, max = 0;
  double probe = -1, dither = -1;  // mean raw Probe and Dither estimates of the last refresh (-1: none)
  double lo = 0, hi = 0;           // the histogram's range (the slopes' clip range)
  std::vector<int64_t> hist;       // counts in equal bins over [lo, hi]
};

struct LinearStepMetrics {
  int64_t layer = 0;
  std::string linear;
  // Drift of RHT(W_latent)/scale from its PTQ start, in normalised units.
  double drift_rms = 0, drift_max = 0, drift_path = 0;  // path: sum over steps of the RMS of each step's change
  double sigma_w = 0;    // RMS of the normalised weights
  double radius = 0;     // Voronoi-basin radius r = sigma_w / sqrt(2 pi 2^kV)
  double predicted = 0;  // drift-budget prediction: steps x lr / scale (Adam moves each weight about lr a step)
  int64_t flips = -1;    // trellis steps whose hard-path state differs from the PTQ path (-1: not counted this
                         // step, or a cancel arrived while counting)
  int64_t tiles_touched = -1;
  int64_t tiles = 0, trellis_steps = 0;  // totals, for fractions
  SlopeSummary slopes;                   // jacquant only
};

struct StepMetrics {
  int64_t step = 0;          // 0-based over the whole run
  int64_t phase = 0;         // independent/greedy: index of the layer being trained; joint: 0
  int64_t phase_step = 0;    // step inside the phase
  double T = 0, kl = 0, lr = 0, grad_norm = 0;
  int64_t window_start = 0;  // token offset of the calibration window
  double seconds = 0;        // wall time of the step, time spent paused left out
  double peak_rss_mb = 0;    // peak resident memory of the process so far
  double eval_ppl = -1;      // held-out perplexity of the student at this step (-1: not evaluated)
  std::vector<LinearStepMetrics> linears;
};

nlohmann::json to_json(const StepMetrics& m);
// A metrics.jsonl line; a missing or mistyped field is an error naming `source` ("FILE line N").
// null (how JSON holds a NaN) reads back as NaN.
StepMetrics step_metrics_from_json(const nlohmann::json& j, const std::string& source = "metrics");
// Every step of a metrics.jsonl file, as the studio reads a run; errors name the file and line. A
// last line without its newline (an append cut short by a crash) is not a step and is skipped.
std::vector<StepMetrics> read_metrics_file(const std::string& path);

// Voronoi-basin radius of the drift-budget theory: sigma_w / sqrt(2 pi 2^kV).
double voronoi_radius(double sigma_w, int k, int V);

}  // namespace bcjr::quant
