// A heat map of one step's transfer matrix M_t(p, s) = exp(-e_t(s)/T) on the trellis edges p -> s,
// on a log scale relative to its largest entry; the cells that are not edges stay blank.
#pragma once

#include <QWidget>

#include "widgets/learn_snapshot.h"

class QCustomPlot;
class QCPColorMap;
class QCPTextElement;

namespace bcjr::widgets {

class TransferMatrixView : public QWidget {
  Q_OBJECT
 public:
  explicit TransferMatrixView(QWidget* parent = nullptr);
  void setSnapshot(const ChainSnapshot& s);
  QCustomPlot* plot() const { return plot_; }
  // Cells with a value (the trellis edges) and cells left blank, for tests.
  int edgeCells() const { return edge_cells_; }
  int blankCells() const { return blank_cells_; }
  static constexpr double kFloor = -12;  // log10 of the smallest ratio shown

 private:
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPTextElement* title_;
  int edge_cells_ = 0, blank_cells_ = 0;
};

}  // namespace bcjr::widgets
