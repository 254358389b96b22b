// Perplexity and loss of one or more runs against the training step, each quantity on an axis of
// its own: held-out perplexity at the evaluation steps with the FP and PTQ perplexities as
// horizontal lines (and the hardened QAT figure at the end), KL(teacher || student) on a log axis,
// and the temperature T on a log axis. One colour per run; the legend names runs by their label.
#pragma once

#include <QVector>
#include <QWidget>

#include "widgets/run_trace.h"

class QCustomPlot;
class QCPAxisRect;
class QCPItemText;

namespace bcjr::widgets {

class PerplexityView : public QWidget {
  Q_OBJECT
 public:
  explicit PerplexityView(QWidget* parent = nullptr);
  QCustomPlot* plot() const { return plot_; }
  QCPAxisRect* perplexityRect() const { return ppl_rect_; }
  QCPAxisRect* klRect() const { return kl_rect_; }
  QCPAxisRect* temperatureRect() const { return t_rect_; }
  const QVector<RunTrace>& traces() const { return traces_; }

 public Q_SLOTS:
  void setTraces(const QVector<bcjr::widgets::RunTrace>& traces);

 private:
  void rebuild();
  void resizeEvent(QResizeEvent* e) override;
  QCustomPlot* plot_;
  QCPAxisRect *ppl_rect_ = nullptr, *kl_rect_ = nullptr, *t_rect_ = nullptr;
  QCPItemText* empty_note_ = nullptr;
  QVector<RunTrace> traces_;
};

}  // namespace bcjr::widgets
