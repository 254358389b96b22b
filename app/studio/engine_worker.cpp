// LibTorch's headers come first: Qt's `slots` macro must not be defined while they are parsed.
#include <ATen/ATen.h>

#include "engine/core/error.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/tile_posterior.h"
#include "engine/trellis/viterbi.h"
#include "engine/quant/qat_session.h"

#include "app/studio/engine_worker.h"
#include "app/studio/training_worker.h"

#include <cmath>
#include <random>

namespace bcjr::studio {

namespace {

struct Prepared {
  trellis::TrellisSpec spec;
  trellis::Codebook cb;
  trellis::BcjrOptions opt;
  std::vector<float> w;
};

Prepared prepare(const TileRequest& r) {
  Prepared p;
  p.spec.L = r.L;
  p.spec.k = r.k;
  p.spec.V = r.V;
  p.spec.n = r.n;
  p.opt.boundary = trellis::parse_boundary(r.boundary.toStdString());
  p.spec.validate(p.opt.boundary);
  p.opt.T = r.T;
  // Exact tail-biting sums 2^(L-kV) constrained runs: fine for small trellises, too slow to redraw
  // interactively beyond that, where the overlap is fixed to the hard tail-biting path instead.
  if (p.spec.overlaps() > 16) p.opt.tailbiting = trellis::BcjrTailBiting::FixedOverlap;
  p.cb = trellis::make_codebook(r.code.toStdString(), r.L, r.V);
  if (!r.weights.isEmpty()) {
    BCJR_CHECK(r.weights.size() == r.n, "tile has ", r.weights.size(), " weights, expected n = ", r.n);
    p.w.assign(r.weights.begin(), r.weights.end());
  } else {
    // A Gaussian tile scaled like the quantiser's input: RMS 0.9 x the codebook's RMS (QTIP).
    std::mt19937_64 rng(r.seed);
    std::normal_distribution<float> normal(0.f, 0.9f * p.cb.rms());
    p.w.resize(r.n);
    for (auto& x : p.w) x = normal(rng);
  }
  return p;
}

}  // namespace

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<TileRequest>();
  qRegisterMetaType<widgets::PosteriorSnapshot>();
}

namespace {
// One conversion for both sources: the engine's plain posterior view into the widget's snapshot.
widgets::PosteriorSnapshot to_snapshot(const quant::TilePosteriorView& v) {
  widgets::PosteriorSnapshot s;
  s.label = QString::fromStdString(v.label) + QString(", %1").arg(QString::fromStdString(v.method));
  s.temperature = v.T;
  s.steps = v.steps;
  s.symbols = v.symbols;
  s.marginals = QVector<float>(v.marginals.begin(), v.marginals.end());
  for (int t = 0; t < v.steps; ++t) {
    s.expected.append(v.mean[size_t(t) * v.V]);
    s.stddev.append(std::sqrt(std::max(0.f, v.variance[size_t(t) * v.V])));
    s.target.append(v.target[size_t(t) * v.V]);
  }
  s.viterbi_symbols = QVector<int>(v.viterbi_symbols.begin(), v.viterbi_symbols.end());
  return s;
}
}  // namespace

widgets::PosteriorSnapshot EngineWorker::posterior(const TileRequest& r) {
  Prepared p = prepare(r);
  trellis::TilePosterior post = trellis::tile_posterior(p.w, p.spec, p.cb, p.opt);
  at::Tensor w = at::from_blob(p.w.data(), {1, r.n}, at::kFloat).clone();
  trellis::ViterbiResult hard = trellis::viterbi(w, p.spec, p.cb, p.opt.boundary);

  quant::TilePosteriorView v;
  v.label = r.label.isEmpty() ? QString("Gaussian tile (seed %1)").arg(r.seed).toStdString() : r.label.toStdString();
  v.T = r.T;
  v.steps = post.steps;
  v.symbols = post.symbols;
  v.V = r.V;
  v.marginals = post.symbol_marginals;
  v.mean = post.mean;
  v.variance = post.variance;
  v.target = p.w;
  const int mask = post.symbols - 1;
  auto states = hard.states.accessor<int32_t, 2>();
  for (int t = 0; t < post.steps; ++t) v.viterbi_symbols.push_back(states[0][t] & mask);
  v.log_z = post.log_z;
  v.method = post.method;
  return to_snapshot(v);
}

widgets::PosteriorSnapshot EngineWorker::runPosterior(const TileRequest& r) const {
  auto session = training_ ? training_->session() : nullptr;
  BCJR_CHECK(session, "no BCJR-QAT run is going: start one (Run > Start) to look at its tiles");
  return to_snapshot(session->tile_posterior(r.run_layer, r.run_linear.toStdString(), r.run_tile, r.T));
}

void EngineWorker::computePosterior(const TileRequest& r) {
  if (r.generation < latest_.load()) return;  // superseded while queued
  try {
    Q_EMIT posteriorReady(r.run_layer >= 0 ? runPosterior(r) : posterior(r));
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromStdString(e.what()).section('\n', 0, 0));
  }
}

}  // namespace bcjr::studio
