#include "widgets/plot_theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QEvent>

namespace bcjr::widgets {
namespace {

// WCAG relative luminance and contrast ratio.
double luminance(const QColor& c) {
  auto lin = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
}
double contrast(const QColor& a, const QColor& b) {
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

// A pen colour as the plot's author chose it, kept in a property so that it comes back when
// the palette changes again.
QColor own_colour(QObject* owner, const char* key, const QColor& current) {
  const QVariant v = owner->property(key);
  if (v.isValid()) return v.value<QColor>();
  owner->setProperty(key, current);
  return current;
}

QColor readable(const QColor& own, const PlotColors& c) {
  if (own.alpha() == 0 || contrast(own, c.background) >= 1.8) return own;
  QColor t = c.text;
  t.setAlpha(own.alpha());
  return t;
}

void style_axis(QCPAxis* a, const PlotColors& c) {
  QPen axis(c.axis, 1);
  a->setBasePen(axis);
  a->setTickPen(axis);
  a->setSubTickPen(axis);
  a->setTickLabelColor(c.text);
  a->setLabelColor(c.text);
  a->grid()->setPen(QPen(c.grid, 1, Qt::DotLine));
  a->grid()->setSubGridPen(QPen(c.subgrid, 1, Qt::DotLine));
}

void style_plottable(QCPAbstractPlottable* p, const PlotColors& c) {
  QPen pen = p->pen();
  pen.setColor(readable(own_colour(p, "bcjrOwnPen", pen.color()), c));
  p->setPen(pen);
  if (auto* g = qobject_cast<QCPGraph*>(p)) {
    QCPScatterStyle s = g->scatterStyle();
    if (!s.isNone() && s.pen().style() != Qt::NoPen) {
      QPen sp = s.pen();
      sp.setColor(readable(own_colour(p, "bcjrOwnScatterPen", sp.color()), c));
      s.setPen(sp);
      g->setScatterStyle(s);
    }
  }
}

class PlotThemer : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* e) override {
    if (e->type() == QEvent::Polish || e->type() == QEvent::PaletteChange ||
        e->type() == QEvent::ApplicationPaletteChange)
      if (auto* plot = qobject_cast<QCustomPlot*>(watched)) apply_plot_theme(plot, QApplication::palette(plot));
    return false;
  }
};

}  // namespace

bool is_dark(const QPalette& p) { return p.color(QPalette::Window).lightness() < p.color(QPalette::WindowText).lightness(); }

PlotColors plot_colors_for(const QPalette& p) {
  PlotColors c;
  const bool dark = is_dark(p);
  c.background = p.color(QPalette::Base);
  c.text = p.color(QPalette::Text);
  c.axis = p.color(QPalette::WindowText);
  c.grid = dark ? QColor(90, 90, 90) : QColor(200, 200, 200);
  c.subgrid = dark ? QColor(60, 60, 60) : QColor(225, 225, 225);
  c.legend_background = p.color(QPalette::Base);
  c.legend_background.setAlpha(215);  // the data behind a legend stays faintly visible
  c.legend_border = p.color(QPalette::Mid);
  return c;
}

void apply_plot_theme(QCustomPlot* plot, const QPalette& palette) {
  const PlotColors c = plot_colors_for(palette);
  plot->setBackground(c.background);
  for (QCPAxisRect* r : plot->axisRects()) {
    r->setBackground(c.background);
    for (QCPAxis* a : r->axes()) style_axis(a, c);
  }
  for (int i = 0; i < plot->plotLayout()->elementCount(); ++i) {
    QCPLayoutElement* e = plot->plotLayout()->elementAt(i);
    if (auto* t = qobject_cast<QCPTextElement*>(e)) t->setTextColor(c.text);
    if (auto* s = qobject_cast<QCPColorScale*>(e)) style_axis(s->axis(), c);
  }
  for (QCPLegend* legend : plot->findChildren<QCPLegend*>()) {
    legend->setBrush(c.legend_background);
    legend->setBorderPen(QPen(c.legend_border));
    legend->setTextColor(c.text);
    for (int i = 0; i < legend->itemCount(); ++i)
      if (auto* item = legend->item(i)) item->setTextColor(c.text);
  }
  for (int i = 0; i < plot->plottableCount(); ++i) style_plottable(plot->plottable(i), c);
  for (int i = 0; i < plot->itemCount(); ++i)
    if (auto* t = qobject_cast<QCPItemText*>(plot->item(i))) t->setColor(readable(own_colour(t, "bcjrOwnText", t->color()), c));
  plot->replot(QCustomPlot::rpQueuedReplot);
}

void install_plot_theming() {
  static PlotThemer* themer = nullptr;
  if (themer || !qApp) return;
  themer = new PlotThemer(qApp);
  qApp->installEventFilter(themer);
}

}  // namespace bcjr::widgets
