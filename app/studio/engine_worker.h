// The object that asks the engine for posteriors and thermodynamics in bcjr-studio (the engine's
// tile services, engine/physics/tile_posterior_view.h, compute them; this only converts requests
// and results). It lives in its own QThread; the window reaches it only through queued calls and
// hears back through signals carrying value snapshots; every engine error arrives as failed().
// Requests that a newer one has superseded are dropped, so dragging a slider never queues up work;
// a thermodynamics curve being computed stops when a newer one is asked for, and stop() ends any
// computation at its next cancellation check (for quitting).
#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <atomic>

#include "widgets/ising_panel.h"
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
  QVector<float> weights;   // n weights in normalised units, or empty
  QString label;
  quint64 generation = 0;   // set by the sender; stale generations are skipped
};

class EngineWorker : public QObject {
  Q_OBJECT
 public:
  explicit EngineWorker(QObject* parent = nullptr);
  // Called from the GUI thread before queuing a request: anything older is skipped. Posterior and
  // thermodynamics requests are counted apart (a posterior does not supersede a curve).
  quint64 nextGeneration() { return ++latest_; }
  quint64 nextThermoGeneration() { return ++latest_thermo_; }
  // Thread-safe: every computation in progress or queued stops (Cancelled, not reported).
  void stop() { stopping_ = true; }
  // Where tiles of a running session come from (set once, before requests arrive).
  void setTrainingWorker(TrainingWorker* t) { training_ = t; }
  // Computes synchronously on the calling thread (the tests use this; the GUI goes through slots).
  static widgets::PosteriorSnapshot posterior(const TileRequest& r);
  static widgets::ThermoSnapshot thermodynamics(const TileRequest& r, const QVector<double>& temperatures);

 public Q_SLOTS:
  void computePosterior(const bcjr::studio::TileRequest& r);
  void computeThermodynamics(const bcjr::studio::TileRequest& r, const QVector<double>& temperatures);

 Q_SIGNALS:
  void posteriorReady(const bcjr::widgets::PosteriorSnapshot& s);
  void thermodynamicsReady(const bcjr::widgets::ThermoSnapshot& s);
  void failed(const QString& message);

 private:
  widgets::PosteriorSnapshot runPosterior(const TileRequest& r) const;
  std::atomic<quint64> latest_{0}, latest_thermo_{0};
  std::atomic<bool> stopping_{false};
  TrainingWorker* training_ = nullptr;
};

}  // namespace bcjr::studio

Q_DECLARE_METATYPE(bcjr::studio::TileRequest)
