// Computes layer maps (engine/quant/layer_map.h) in a thread of its own, from the live run or from
// a run folder's latest state, and the posterior of a tile of a run folder (the one the user
// clicks on a folder's map). A newer request or cancel() stops the current one between chunks of
// tiles; the GUI only queues requests and shows what comes back.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

#include "app/studio/engine_worker.h"
#include "widgets/layer_map_view.h"
#include "widgets/snapshots.h"

namespace bcjr::quant {
struct LinearState;
}

namespace bcjr::studio {

class TrainingWorker;

struct LayerMapRequest {
  QString run_dir;  // empty: the live run
  int layer = 4;
  QString linear = "q_proj";
  QString metric = "flips";  // error | flips | entropy
  double T = 0.1;
  quint64 generation = 0;
};

class LayerMapWorker : public QObject {
  Q_OBJECT
 public:
  explicit LayerMapWorker(QObject* parent = nullptr);
  ~LayerMapWorker() override;
  void setTrainingWorker(TrainingWorker* t) { training_ = t; }
  // Thread-safe: the number for the next request; anything older stops at its next chunk.
  quint64 nextGeneration() { return ++latest_; }
  void cancel() { ++latest_; }
  // The same for tile posteriors of a run folder (asked by the posterior tab).
  quint64 nextPosteriorGeneration() { return ++latest_posterior_; }

 public Q_SLOTS:
  void compute(const bcjr::studio::LayerMapRequest& r);
  void computePosterior(const bcjr::studio::TileRequest& r);

 Q_SIGNALS:
  void ready(const bcjr::widgets::LayerMapSnapshot& s);
  void progress(qint64 done, qint64 total);
  void cancelled();
  void failed(const QString& message);
  void posteriorReady(const bcjr::widgets::PosteriorSnapshot& s);

 private:
  // The linear's state, kept for a run folder until another linear or folder is asked for.
  const quant::LinearState& state(const QString& run_dir, int layer, const QString& linear);

  TrainingWorker* training_ = nullptr;
  std::atomic<quint64> latest_{0};
  std::atomic<quint64> latest_posterior_{0};
  std::unique_ptr<quant::LinearState> cached_;
  QString cached_key_;
};

}  // namespace bcjr::studio

Q_DECLARE_METATYPE(bcjr::studio::LayerMapRequest)
