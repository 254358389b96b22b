// The trellis path posterior of one tile at temperature T: a heat map of P(symbol at step t), the
// hard Viterbi path over it, and below, the expected codeword with its spread against the weight.
#pragma once

#include <QWidget>

#include "widgets/snapshots.h"

class QCustomPlot;
class QCPColorMap;
class QCPGraph;

namespace bcjr::widgets {

class PosteriorView : public QWidget {
  Q_OBJECT
 public:
  explicit PosteriorView(QWidget* parent = nullptr);
  const PosteriorSnapshot& snapshot() const { return snapshot_; }
  // Mean over steps of the largest symbol probability: 1 for a hard path, 1/2^kV for a flat one.
  double meanConfidence() const;
  bool savePng(const QString& path, double scale = 2.0) const;
  QCustomPlot* plot() const { return plot_; }

 public Q_SLOTS:
  void setSnapshot(const bcjr::widgets::PosteriorSnapshot& s);

 private:
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPGraph* path_;
  QCPGraph *expected_, *upper_, *lower_, *target_;
  PosteriorSnapshot snapshot_;
};

}  // namespace bcjr::widgets
