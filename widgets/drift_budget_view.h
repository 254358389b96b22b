// Codeword flips against the Voronoi-basin radius, as the drift-budget theory frames them. Left:
// per linear, drift RMS / r on x and the fraction of its trellis steps flipped since PTQ on y, a
// trajectory over the steps, with the escape threshold drift = r marked; the selected linear is
// drawn bold, the others faint. Right: the selected linear's drift RMS, radius r and the
// prediction (steps x lr in normalised units) against the step. One colour per run.
#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

#include "widgets/run_trace.h"

class QComboBox;
class QCustomPlot;
class QCPAxisRect;

namespace bcjr::widgets {

class DriftBudgetView : public QWidget {
  Q_OBJECT
 public:
  explicit DriftBudgetView(QWidget* parent = nullptr);
  QCustomPlot* plot() const { return plot_; }
  QCPAxisRect* flipsRect() const { return flips_rect_; }
  QCPAxisRect* seriesRect() const { return series_rect_; }
  QComboBox* linearSelector() const { return selector_; }
  // The linears of the traces shown ("L4 q_proj", ...), in the order of the first trace.
  QStringList linears() const { return linears_; }
  QString selectedLinear() const;
  void selectLinear(const QString& name);

 public Q_SLOTS:
  void setTraces(const QVector<bcjr::widgets::RunTrace>& traces);

 private:
  void rebuild();
  void resizeEvent(QResizeEvent* e) override;
  QCustomPlot* plot_;
  QComboBox* selector_;
  QCPAxisRect *flips_rect_ = nullptr, *series_rect_ = nullptr;
  QVector<RunTrace> traces_;
  QStringList linears_;
};

}  // namespace bcjr::widgets
