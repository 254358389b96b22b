// Plain value snapshots that the engine's worker sends to the views. No tensors, no engine types:
// the widgets know only these, so they can be tested and reused without the engine.
#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>

namespace bcjr::widgets {

// The posterior of one tile at one temperature: per step, the probability of each kV-bit symbol,
// the expected codeword (first coordinate) and its spread, the target weight, and the hard path.
struct PosteriorSnapshot {
  QString label;                  // e.g. "layer 4 q_proj, tile 17"
  double temperature = 0;
  int steps = 0;                  // N
  int symbols = 0;                // 2^kV
  QVector<float> marginals;       // steps * symbols, row-major by step
  QVector<double> expected;       // E[c(s_t)] (first coordinate), per step
  QVector<double> stddev;         // sqrt(Var[c(s_t)]), per step
  QVector<double> target;         // the weight being quantised, per step (first coordinate)
  QVector<int> viterbi_symbols;   // the hard path's symbol per step (may be empty)
  bool valid() const { return steps > 0 && symbols > 0 && marginals.size() == steps * symbols; }
};

// Codeword flips and drift of one linear after a training step, against the drift-budget theory.
struct FlipSnapshot {
  QString linear;       // "L4 q_proj", ...
  int layer = 0;
  int step = 0;
  double flips = 0;     // trellis steps whose state differs from the PTQ path
  double tiles_touched = 0;
  double drift_rms = 0;   // in normalised units
  double drift_path = 0;  // cumulative path length of the drift
  double radius = 0;      // Voronoi-basin radius r = sigma_w / sqrt(2 pi 2^kV)
  double predicted = 0;   // drift-budget prediction (about steps x lr for Adam)
  double trellis_steps = 0, tiles = 0;  // totals of the linear, for fractions
};

// JacQuant's per-tile slopes b_g of one linear after a step: counts in equal bins over [lo, hi].
struct SlopeSnapshot {
  QString linear;  // "L4 q_proj", ...
  double lo = 0, hi = 0;
  double mean = 0, sd = 0, min = 0, max = 0;
  double probe = -1, dither = -1;  // mean raw estimates of the last refresh (-1: none yet)
  QVector<double> counts;
};

// One finished training step, as the views need it.
struct StepSnapshot {
  int step = 0;
  int phase = 0, phase_step = 0;  // multi-layer modes: which phase, and the step inside it
  double temperature = 0, kl = 0, lr = 0, grad_norm = 0;
  double seconds = 0, peak_mb = 0;
  double eval_ppl = -1;  // -1: not evaluated at this step
  QVector<FlipSnapshot> linears;
  QVector<SlopeSnapshot> slopes;  // empty unless the method learns slopes (jacquant)
};

}  // namespace bcjr::widgets

Q_DECLARE_METATYPE(bcjr::widgets::StepSnapshot)
Q_DECLARE_METATYPE(bcjr::widgets::PosteriorSnapshot)
Q_DECLARE_METATYPE(bcjr::widgets::FlipSnapshot)
Q_DECLARE_METATYPE(bcjr::widgets::SlopeSnapshot)
