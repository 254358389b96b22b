#include "widgets/transfer_matrix_view.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace bcjr::widgets {

TransferMatrixView::TransferMatrixView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->plotLayout()->insertRow(0);
  title_ = new QCPTextElement(plot_, tr("Transfer matrix"), QFont("sans", 9, QFont::Bold));
  plot_->plotLayout()->addElement(0, 0, title_);
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  auto* scale = new QCPColorScale(plot_);
  plot_->plotLayout()->addElement(1, 1, scale);
  scale->setLabel(tr("log10 (M / max M)"));
  auto decades = QSharedPointer<QCPAxisTickerFixed>(new QCPAxisTickerFixed);
  decades->setTickStep(3);
  scale->axis()->setTicker(decades);
  map_->setColorScale(scale);
  // Light to dark blue, as the trellis draws probability: the largest entries stand out against
  // the blank cells that are not edges (the floor is tinted, so that every edge stays visible).
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(222, 235, 247));
  g.setColorStopAt(0.5, QColor(107, 174, 214));
  g.setColorStopAt(1.0, QColor(8, 48, 107));
  g.setNanHandling(QCPColorGradient::nhTransparent);
  map_->setGradient(g);
  map_->setDataRange(QCPRange(kFloor, 0));
  map_->setInterpolate(false);
  plot_->xAxis->setLabel(tr("to state s_t"));
  plot_->yAxis->setLabel(tr("from state s_t−1"));
  plot_->yAxis->setRangeReversed(true);
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
}

void TransferMatrixView::setSnapshot(const ChainSnapshot& s) {
  const int S = s.states;
  edge_cells_ = blank_cells_ = 0;
  if (!s.valid() || s.transfer.size() != S * S) {
    map_->data()->clear();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const int kv = s.request.k * s.request.V;
  map_->data()->setSize(S, S);
  map_->data()->setRange(QCPRange(0, S - 1), QCPRange(0, S - 1));
  for (int p = 0; p < S; ++p)
    for (int c = 0; c < S; ++c) {
      const bool edge = (((p << kv) | (c & ((1 << kv) - 1))) & (S - 1)) == c;
      const double m = s.transfer[p * S + c];
      double v = std::numeric_limits<double>::quiet_NaN();
      if (edge) v = m > 0 ? std::max(kFloor, std::log10(m)) : kFloor;
      edge ? ++edge_cells_ : ++blank_cells_;
      map_->data()->setCell(c, p, v);
    }
  title_->setText(tr("Transfer matrix M_%1 at T = %2").arg(s.matrix_step).arg(s.request.T, 0, 'g', 3));
  setToolTip(tr("M_t(p, s) = exp(−e_t(s)/T) if p → s is a trellis edge, else 0 (blank).\n"
                "Colour: log10 of M_t / max M_t; max M_t = exp(%1).").arg(s.transfer_log_scale, 0, 'g', 4));
  const int step = std::max(1, S / 8);
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    auto ticker = QSharedPointer<QCPAxisTickerFixed>(new QCPAxisTickerFixed);
    ticker->setTickStep(step);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
    axis->setTicker(ticker);
  }
  plot_->xAxis->setRange(-0.5, S - 0.5);
  plot_->yAxis->setRange(-0.5, S - 0.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace bcjr::widgets
