// Codeword flips per linear against training step, and the measured drift of W_latent against the
// Voronoi-basin radius and the drift-budget prediction: escape is expected where drift crosses r.
#pragma once

#include <QWidget>

#include "widgets/snapshots.h"

namespace bcjr::widgets {

class CurvePlot;

class FlipsView : public QWidget {
  Q_OBJECT
 public:
  explicit FlipsView(QWidget* parent = nullptr);
  CurvePlot* flipsPlot() const { return flips_; }
  CurvePlot* driftPlot() const { return drift_; }
  void clear();

 public Q_SLOTS:
  void addSnapshot(const bcjr::widgets::FlipSnapshot& s);
  void refresh();

 private:
  CurvePlot* flips_;
  CurvePlot* drift_;
};

}  // namespace bcjr::widgets
