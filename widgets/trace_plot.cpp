#include "widgets/trace_plot.h"

#include "widgets/log_ticker.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace bcjr::widgets {

TracePlotLayout make_trace_plot_layout(QCustomPlot* plot, const QString& title) {
  TracePlotLayout l;
  plot->plotLayout()->clear();
  plot->setAutoAddPlottableToLegend(false);
  l.title = new QCPTextElement(plot, title, QFont("sans", 10, QFont::Bold));
  plot->plotLayout()->addElement(0, 0, l.title);
  l.body = new QCPLayoutGrid;
  plot->plotLayout()->addElement(1, 0, l.body);
  l.legend = new QCPLegend;
  l.legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  l.legend->setWrap(4);
  l.legend->setBorderPen(Qt::NoPen);
  l.legend->setIconSize(28, 10);
  plot->plotLayout()->addElement(2, 0, l.legend);
  l.legend->setLayer("legend");
  plot->plotLayout()->setRowStretchFactor(0, 0.001);
  plot->plotLayout()->setRowStretchFactor(2, 0.001);
  // QCustomPlot's own legend belongs to the default axis rect, which the clear() removed.
  plot->legend = l.legend;
  return l;
}

QCPAxisRect* make_axis_rect(QCustomPlot* plot, const QString& x_label, const QString& y_label, bool log_y) {
  auto* r = new QCPAxisRect(plot);
  r->axis(QCPAxis::atBottom)->setLabel(x_label);
  QCPAxis* y = r->axis(QCPAxis::atLeft);
  y->setLabel(y_label);
  if (log_y) set_log_ticks(y);
  for (QCPAxis* a : r->axes()) a->setLayer("axes");
  return r;
}

QPen trace_pen(const QColor& color, Qt::PenStyle style, double width) {
  QPen p(color, width, style);
  p.setCapStyle(Qt::FlatCap);
  return p;
}

void add_style_key(QCustomPlot* plot, QCPLegend* legend, QCPAxisRect* rect, const QString& name, Qt::PenStyle style) {
  QCPGraph* g = plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  g->setName(name);
  g->setPen(trace_pen(QColor(90, 90, 90), style));
  legend->addItem(new QCPPlottableLegendItem(legend, g));
}

void rescale_value_axis(QCPAxisRect* rect, bool include_zero) {
  QCPAxis* y = rect->axis(QCPAxis::atLeft);
  const bool log = y->scaleType() == QCPAxis::stLogarithmic;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (QCPAbstractPlottable* p : rect->plottables()) {
    bool found = false;
    QCPRange r = p->getValueRange(found, QCP::sdBoth);
    if (!found) continue;
    if (log) {
      r = p->getValueRange(found, QCP::sdPositive);
      if (!found) continue;
    }
    lo = std::min(lo, r.lower);
    hi = std::max(hi, r.upper);
  }
  if (!std::isfinite(lo)) {
    y->setRange(log ? QCPRange(0.01, 1) : QCPRange(0, 1));
    return;
  }
  if (log) {
    y->setRange(lo / 1.5, hi * 1.5);
    return;
  }
  if (include_zero) lo = std::min(lo, 0.0), hi = std::max(hi, 0.0);
  const double pad = hi > lo ? 0.06 * (hi - lo) : std::max(1e-9, std::abs(hi) * 0.1 + 1e-3);
  y->setRange(include_zero && lo == 0 ? 0 : lo - pad, hi + pad);
}

void fit_legend(QCustomPlot* plot, int width) {
  QCPLegend* legend = plot->legend;
  if (!legend) return;
  int widest = 1;
  for (int i = 0; i < legend->itemCount(); ++i)
    if (QCPAbstractLegendItem* item = legend->item(i))
      widest = std::max(widest, item->minimumOuterSizeHint().width() + legend->columnSpacing());
  const int columns = std::max(1, (width - 20) / widest);
  if (columns != legend->wrap()) legend->setWrap(columns);
}

QString trace_name(const RunTrace& t) { return t.label.isEmpty() ? t.id.section('/', -1) : t.label; }

}  // namespace bcjr::widgets
