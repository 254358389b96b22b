// The engine side of the Learn tab: turns a ChainRequest into a ChainSnapshot with the exact
// solvers of engine/physics. Lives in its own QThread; requests that a newer one has superseded
// are skipped, and a curve over T in progress stops when a newer request arrives.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <functional>

#include "widgets/learn_snapshot.h"

namespace bcjr::studio {

class LearnWorker : public QObject {
  Q_OBJECT
 public:
  explicit LearnWorker(QObject* parent = nullptr);
  // Called from the GUI thread before queuing a request: anything older is skipped.
  quint64 nextGeneration() { return ++latest_; }
  // Computes synchronously on the calling thread (the tests use this). `curves` reuses a curve
  // computed for the same tile when it is not null; `stale` is polled inside long loops.
  static widgets::ChainSnapshot snapshot(const widgets::ChainRequest& r, const widgets::ThermoCurves* curves = nullptr,
                                         const std::function<bool()>& stale = {});
  // The temperatures of the curves: 61 points, equally spaced in log T over the slider's range.
  static QVector<double> curveTemperatures();

 public Q_SLOTS:
  void compute(const bcjr::widgets::ChainRequest& r);

 Q_SIGNALS:
  void ready(const bcjr::widgets::ChainSnapshot& s);
  void failed(const QString& message);

 private:
  std::atomic<quint64> latest_{0};
  QString cached_key_;  // the tile whose curves are cached
  widgets::ThermoCurves cached_;
};

}  // namespace bcjr::studio
