#include "widgets/posterior_view.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>

#include "widgets/viridis.h"

namespace bcjr::widgets {


PosteriorView::PosteriorView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->plotLayout()->clear();

  auto* top = new QCPAxisRect(plot_);
  auto* bottom = new QCPAxisRect(plot_);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, tr("Trellis posterior"), QFont("sans", 10, QFont::Bold)));
  plot_->plotLayout()->addElement(1, 0, top);
  plot_->plotLayout()->addElement(2, 0, bottom);
  plot_->plotLayout()->setRowStretchFactor(0, 0.01);
  plot_->plotLayout()->setRowStretchFactor(1, 1.4);
  plot_->plotLayout()->setRowStretchFactor(2, 1.0);
  // Both panels share the step axis.
  auto* group = new QCPMarginGroup(plot_);
  top->setMarginGroup(QCP::msLeft | QCP::msRight, group);
  bottom->setMarginGroup(QCP::msLeft | QCP::msRight, group);
  connect(top->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::rangeChanged),
          bottom->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::setRange));

  top->axis(QCPAxis::atLeft)->setLabel(tr("symbol u_t"));
  // Symbols are integers: ticks on whole numbers only (every one, or every 2, 4, ... when many).
  QSharedPointer<QCPAxisTickerFixed> integers(new QCPAxisTickerFixed);
  integers->setTickStep(1.0);
  integers->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  top->axis(QCPAxis::atLeft)->setTicker(integers);
  top->axis(QCPAxis::atLeft)->setSubTicks(false);
  top->axis(QCPAxis::atBottom)->setLabel(tr("trellis step t"));
  map_ = new QCPColorMap(top->axis(QCPAxis::atBottom), top->axis(QCPAxis::atLeft));
  map_->setGradient(viridis());
  map_->setInterpolate(false);
  map_->setDataRange(QCPRange(0, 1));
  auto* scale = new QCPColorScale(plot_);
  scale->setType(QCPAxis::atRight);
  scale->axis()->setLabel(tr("P"));
  map_->setColorScale(scale);
  scale->setDataRange(QCPRange(0, 1));
  scale->setGradient(viridis());
  plot_->plotLayout()->addElement(1, 1, scale);
  scale->setMarginGroup(QCP::msTop | QCP::msBottom, new QCPMarginGroup(plot_));

  path_ = plot_->addGraph(top->axis(QCPAxis::atBottom), top->axis(QCPAxis::atLeft));
  path_->setName(tr("Viterbi path"));
  path_->setLineStyle(QCPGraph::lsStepCenter);
  path_->setPen(QPen(QColor(255, 80, 80), 1.5));

  auto* bx = bottom->axis(QCPAxis::atBottom);
  auto* by = bottom->axis(QCPAxis::atLeft);
  bx->setLabel(tr("trellis step t"));
  by->setLabel(tr("codeword"));
  upper_ = plot_->addGraph(bx, by);
  lower_ = plot_->addGraph(bx, by);
  upper_->setPen(Qt::NoPen);
  lower_->setPen(Qt::NoPen);
  upper_->setBrush(QColor(31, 119, 180, 60));
  upper_->setChannelFillGraph(lower_);
  expected_ = plot_->addGraph(bx, by);
  expected_->setName(tr("E[c(s_t)] ± sd"));
  expected_->setPen(QPen(QColor(31, 119, 180), 1.6));
  target_ = plot_->addGraph(bx, by);
  target_->setName(tr("weight"));
  target_->setLineStyle(QCPGraph::lsNone);
  target_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QColor(40, 40, 40), 5));
}

void PosteriorView::setSnapshot(const PosteriorSnapshot& s) {
  snapshot_ = s;
  if (!s.valid()) {
    map_->data()->clear();
    for (auto* g : {path_, expected_, upper_, lower_, target_}) g->data()->clear();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  map_->data()->setSize(s.steps, s.symbols);
  map_->data()->setRange(QCPRange(0, s.steps - 1), QCPRange(0, s.symbols - 1));
  for (int t = 0; t < s.steps; ++t)
    for (int u = 0; u < s.symbols; ++u) map_->data()->setCell(t, u, s.marginals[t * s.symbols + u]);

  QVector<double> x(s.steps);
  for (int t = 0; t < s.steps; ++t) x[t] = t;
  QVector<double> path;
  for (int v : s.viterbi_symbols) path.append(v);
  path_->setData(s.viterbi_symbols.size() == s.steps ? x : QVector<double>(), path);
  if (s.expected.size() == s.steps) {
    QVector<double> up(s.steps), lo(s.steps);
    for (int t = 0; t < s.steps; ++t) {
      double sd = s.stddev.size() == s.steps ? s.stddev[t] : 0.0;
      up[t] = s.expected[t] + sd;
      lo[t] = s.expected[t] - sd;
    }
    expected_->setData(x, s.expected);
    upper_->setData(x, up);
    lower_->setData(x, lo);
  }
  if (s.target.size() == s.steps) target_->setData(x, s.target);
  if (auto* title = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0)))
    title->setText(tr("%1 at T = %2 (mean max-probability %3)")
                       .arg(s.label)
                       .arg(s.temperature, 0, 'g', 3)
                       .arg(meanConfidence(), 0, 'f', 3));
  for (QCPAxisRect* r : plot_->axisRects())
    for (QCPAxis* a : r->axes()) a->rescale(true);
  map_->rescaleAxes();
  plot_->axisRects()[1]->axis(QCPAxis::atLeft)->rescale(true);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

double PosteriorView::meanConfidence() const {
  const auto& s = snapshot_;
  if (!s.valid()) return 0;
  double sum = 0;
  for (int t = 0; t < s.steps; ++t)
    sum += *std::max_element(s.marginals.begin() + t * s.symbols, s.marginals.begin() + (t + 1) * s.symbols);
  return sum / s.steps;
}

bool PosteriorView::savePng(const QString& path, double scale) const {
  return plot_->savePng(path, width(), height(), scale);
}

}  // namespace bcjr::widgets
