// Engine headers first: Qt's `slots` macro must not be defined while they are parsed.
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/physics/tile_posterior_view.h"
#include "engine/quant/qat_session.h"
#include "engine/trellis/codebook.h"

#include "app/studio/engine_worker.h"
#include "app/studio/posterior_snapshot.h"
#include "app/studio/training_worker.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace bcjr::studio {

namespace {

// The request as the engine's tile problem: the trellis it names and its weights (given, or a
// Gaussian tile from its seed).
physics::TileProblem problem_of(const TileRequest& r, const QString& gaussian_label) {
  physics::TileProblem p;
  p.spec.L = r.L;
  p.spec.k = r.k;
  p.spec.V = r.V;
  p.spec.n = r.n;
  p.boundary = trellis::parse_boundary(r.boundary.toStdString());
  p.spec.validate(p.boundary);
  p.codebook = std::make_shared<const trellis::Codebook>(trellis::make_codebook(r.code.toStdString(), r.L, r.V));
  if (!r.weights.isEmpty()) {
    BCJR_CHECK(r.weights.size() == r.n, "tile has ", r.weights.size(), " weights, expected n = ", r.n);
    p.weights.assign(r.weights.begin(), r.weights.end());
  } else {
    p.weights = physics::gaussian_tile(*p.codebook, r.n, r.seed);
  }
  p.label = (r.label.isEmpty() ? gaussian_label.arg(r.seed) : r.label).toStdString();
  return p;
}

// Runs `f` under a cancellation token that gives up (bcjr::Cancelled) at the engine's next check
// once `give_up` says so.
template <class F>
auto abandonable(const std::function<bool()>& give_up, F&& f) {
  auto token = std::make_shared<CancelToken>();
  token->set_check_hook([&give_up](int64_t) {
    if (give_up()) throw Cancelled();
  });
  CancelScope scope(token);
  return f();
}

QString first_line(const std::exception& e) { return QString::fromStdString(e.what()).section('\n', 0, 0); }

}  // namespace

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<TileRequest>();
  qRegisterMetaType<widgets::PosteriorSnapshot>();
}

widgets::PosteriorSnapshot EngineWorker::posterior(const TileRequest& r) {
  return posterior_snapshot(physics::tile_posterior_view(problem_of(r, "Gaussian tile (seed %1)"), r.T));
}

widgets::PosteriorSnapshot EngineWorker::runPosterior(const TileRequest& r) const {
  auto session = training_ ? training_->session() : nullptr;
  BCJR_CHECK(session, "no BCJR-QAT run is going: start one (Run > Start) to look at its tiles");
  return posterior_snapshot(session->tile_posterior(r.run_layer, r.run_linear.toStdString(), r.run_tile, r.T));
}

void EngineWorker::computePosterior(const TileRequest& r) {
  if (stopping_ || r.generation < latest_.load()) return;  // superseded while queued
  try {
    auto s = abandonable([this] { return stopping_.load(); },
                         [&] { return r.run_layer >= 0 ? runPosterior(r) : posterior(r); });
    Q_EMIT posteriorReady(s);
  } catch (const Cancelled&) {
  } catch (const std::exception& e) {
    Q_EMIT failed(first_line(e));
  }
}

}  // namespace bcjr::studio
