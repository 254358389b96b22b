// The trellis of a small tile drawn as states over time: each edge as wide and as opaque as its
// posterior probability at T, the Viterbi path on top, and above it the tile's weights as points
// that can be dragged up and down (with the soft and the hard reconstruction beside them).
#pragma once

#include <QVector>
#include <QWidget>

#include "widgets/learn_snapshot.h"

class QPainter;

namespace bcjr::widgets {

class TrellisDiagram : public QWidget {
  Q_OBJECT
 public:
  explicit TrellisDiagram(QWidget* parent = nullptr);

  void setSnapshot(const ChainSnapshot& s);
  // The weights to show before the engine has answered for them (while dragging, after a reset).
  void setWeights(const QVector<float>& w);
  const QVector<float>& weights() const { return weights_; }
  void setHighlightedStep(int t);

  // What the last paint drew, for tests: nodes (steps x states) and edge lines: every trellis edge
  // (edges x states x symbols) while there are at most 64 per step, else those with probability
  // >= 1e-3 (the bare structure of a bigger trellis is a grey smear).
  int drawnStates() const { return drawn_states_; }
  int drawnEdges() const { return drawn_edges_; }
  // Where weight i's point is, in widget coordinates, and the weight value at height y.
  QPointF weightPosition(int i) const;
  double valueAt(double y) const;

  QSize minimumSizeHint() const override { return {240, 220}; }

 Q_SIGNALS:
  // While a weight is dragged (every move) and when it is released.
  void weightsEdited(const QVector<float>& weights);

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  QRectF stripRect() const;
  QRectF trellisRect() const;
  int columns() const;
  double columnX(int t) const;
  double rowY(int s) const;
  double valueY(double v) const;
  int weightNear(const QPointF& p) const;
  void paintStrip(QPainter& p);
  void paintTrellis(QPainter& p);

  ChainSnapshot snap_;
  QVector<float> weights_;
  double range_ = 3.0;  // the strip shows weights in [-range, range]
  int highlight_ = -1;
  int drag_ = -1;
  int drawn_states_ = 0, drawn_edges_ = 0;
};

}  // namespace bcjr::widgets
