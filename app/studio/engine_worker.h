// The object that asks the engine for tile posteriors in bcjr-studio (the engine's tile service,
// engine/physics/tile_posterior_view.h, computes them; this only converts requests and results). It lives in its own QThread; the window reaches it only through queued calls and
// hears back through signals carrying value snapshots; every engine error arrives as failed().
// Requests that a newer one has superseded are dropped, so dragging a slider never queues up work,
// and stop() ends any computation at its next cancellation check (for quitting).
#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <atomic>

#include "widgets/snapshots.h"

namespace bcjr::studio {

class TrainingWorker;

// One tile to look at under the BCJR distribution.
struct TileRequest {
  int L = 12, k = 2, V = 2, n = 256;
  QString code = "hyb";
  QString boundary = "tailbiting";
  double T = 0.1;
  quint64 seed = 0;         // for the random Gaussian tile when `weights` is empty
  int run_layer = -1;       // >= 0: a tile of the running BCJR-QAT session instead
  QString run_linear = "q_proj";
  int run_tile = 0;
  QString run_folder;       // set: a tile of that run folder (the layer map's worker computes it)
  QVector<float> weights;   // n weights in normalised units, or empty
  QString label;
  quint64 generation = 0;   // set by the sender; stale generations are skipped
};

class EngineWorker : public QObject {
  Q_OBJECT
 public:
  explicit EngineWorker(QObject* parent = nullptr);
  // Called from the GUI thread before queuing a request: anything older is skipped.
  quint64 nextGeneration() { return ++latest_; }
  // Thread-safe: every computation in progress or queued stops (Cancelled, not reported).
  void stop() { stopping_ = true; }
  // Where tiles of a running session come from (set once, before requests arrive).
  void setTrainingWorker(TrainingWorker* t) { training_ = t; }
  // Computes synchronously on the calling thread (the tests use this; the GUI goes through slots).
  static widgets::PosteriorSnapshot posterior(const TileRequest& r);

 public Q_SLOTS:
  void computePosterior(const bcjr::studio::TileRequest& r);

 Q_SIGNALS:
  void posteriorReady(const bcjr::widgets::PosteriorSnapshot& s);
  void failed(const QString& message);

 private:
  widgets::PosteriorSnapshot runPosterior(const TileRequest& r) const;
  std::atomic<quint64> latest_{0};
  std::atomic<bool> stopping_{false};
  TrainingWorker* training_ = nullptr;
};

}  // namespace bcjr::studio

Q_DECLARE_METATYPE(bcjr::studio::TileRequest)
