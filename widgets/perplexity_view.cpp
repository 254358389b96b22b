#include "widgets/perplexity_view.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/trace_plot.h"

namespace bcjr::widgets {
namespace {

// The protocol for the title: its text's folder left out (the file names it) and broken at commas
// into lines that fit the view (a title wider than the plot would be cut at both ends).
QString title_lines(QString protocol) {
  const int comma = protocol.indexOf(", ");
  const QString first = comma < 0 ? protocol : protocol.left(comma);
  if (first.contains('/')) protocol = first.section('/', -1) + protocol.mid(first.size());
  QStringList lines{QString()};
  for (const QString& part : protocol.split(", ")) {
    if (!lines.last().isEmpty() && lines.last().size() + part.size() > 100) lines.append(QString());
    lines.last() += (lines.last().isEmpty() ? "" : ", ") + part;
  }
  return lines.join(",\n");
}

}  // namespace


PerplexityView::PerplexityView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  rebuild();
}

void PerplexityView::setTraces(const QVector<RunTrace>& traces) {
  traces_ = traces;
  rebuild();
}

void PerplexityView::rebuild() {
  plot_->clearPlottables();
  plot_->clearItems();
  TracePlotLayout l = make_trace_plot_layout(plot_, tr("Perplexity, loss and temperature"));
  ppl_rect_ = make_axis_rect(plot_, QString(), tr("held-out perplexity"), false);
  kl_rect_ = make_axis_rect(plot_, QString(), tr("KL(teacher ‖ student)\nnats/token"), true);
  t_rect_ = make_axis_rect(plot_, tr("training step"), tr("temperature T"), true);
  auto* margins = new QCPMarginGroup(plot_);
  int row = 0;
  for (QCPAxisRect* r : {ppl_rect_, kl_rect_, t_rect_}) {
    l.body->addElement(row++, 0, r);
    r->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    connect(r->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            [this](const QCPRange& range) {
              for (QCPAxisRect* o : {ppl_rect_, kl_rect_, t_rect_}) {
                QCPAxis* x = o->axis(QCPAxis::atBottom);
                if (x->range().lower != range.lower || x->range().upper != range.upper) x->setRange(range);
              }
            });
  }
  l.body->setRowStretchFactor(0, 1.4);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  for (QCPAxisRect* r : {ppl_rect_, kl_rect_, t_rect_}) {
    r->setRangeDrag(Qt::Horizontal);
    r->setRangeZoom(Qt::Horizontal);
  }

  double max_step = 1;
  QString protocol;
  bool any_ppl = false;
  for (const RunTrace& t : traces_) {
    QVector<double> x, kl, temp, ex, ey;
    for (const StepSnapshot& s : t.steps) {
      x.append(s.step);
      kl.append(s.kl);
      temp.append(s.temperature);
      if (s.eval_ppl > 0) ex.append(s.step), ey.append(s.eval_ppl);
      max_step = std::max(max_step, double(s.step));
    }
    auto graph = [&](QCPAxisRect* r, const QVector<double>& gx, const QVector<double>& gy, Qt::PenStyle style,
                     const QString& name) {
      QCPGraph* g = plot_->addGraph(r->axis(QCPAxis::atBottom), r->axis(QCPAxis::atLeft));
      g->setName(name);
      g->setPen(trace_pen(t.color, style));
      g->setData(gx, gy);
      return g;
    };
    QCPGraph* kl_graph = graph(kl_rect_, x, kl, Qt::SolidLine, tr("%1: KL").arg(trace_name(t)));
    kl_graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    graph(t_rect_, x, temp, Qt::SolidLine, tr("%1: T").arg(trace_name(t)))
        ->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    QCPGraph* ppl = graph(ppl_rect_, ex, ey, Qt::SolidLine, tr("%1: held-out perplexity").arg(trace_name(t)));
    ppl->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    any_ppl = any_ppl || !ey.isEmpty() || std::isfinite(t.ppl_fp) || std::isfinite(t.ppl_ptq);
    // The legend names the run once, by its KL curve (every run has one).
    auto* item = new QCPPlottableLegendItem(l.legend, kl_graph);
    l.legend->addItem(item);
    kl_graph->setName(trace_name(t));
    if (protocol.isEmpty()) protocol = t.ppl_protocol;
  }
  // Run-level perplexities: horizontal lines over the steps shown, the QAT figure at the end.
  for (const RunTrace& t : traces_) {
    auto hline = [&](double v, Qt::PenStyle style, const QString& name) {
      if (!std::isfinite(v) || v <= 0) return;
      QCPGraph* g = plot_->addGraph(ppl_rect_->axis(QCPAxis::atBottom), ppl_rect_->axis(QCPAxis::atLeft));
      g->setName(name);
      g->setPen(trace_pen(t.color, style, 1.4));
      g->setData({0.0, max_step}, {v, v});
    };
    hline(t.ppl_fp, Qt::DashLine, tr("%1: FP").arg(trace_name(t)));
    hline(t.ppl_ptq, Qt::DotLine, tr("%1: PTQ").arg(trace_name(t)));
    if (std::isfinite(t.ppl_qat) && t.ppl_qat > 0) {
      QCPGraph* g = plot_->addGraph(ppl_rect_->axis(QCPAxis::atBottom), ppl_rect_->axis(QCPAxis::atLeft));
      g->setName(tr("%1: QAT (hardened)").arg(trace_name(t)));
      g->setLineStyle(QCPGraph::lsNone);
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, t.color, 11));
      g->setData({t.steps.isEmpty() ? max_step : double(t.steps.last().step)}, {t.ppl_qat});
    }
  }
  if (!traces_.isEmpty()) {
    add_style_key(plot_, l.legend, ppl_rect_, tr("FP perplexity"), Qt::DashLine);
    add_style_key(plot_, l.legend, ppl_rect_, tr("PTQ perplexity"), Qt::DotLine);
    QCPGraph* star = plot_->addGraph(ppl_rect_->axis(QCPAxis::atBottom), ppl_rect_->axis(QCPAxis::atLeft));
    star->setName(tr("QAT, hardened"));
    star->setLineStyle(QCPGraph::lsNone);
    star->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(90, 90, 90), 11));
    l.legend->addItem(new QCPPlottableLegendItem(l.legend, star));
  }
  l.title->setText(protocol.isEmpty() ? tr("Perplexity, loss and temperature")
                                      : tr("Perplexity, loss and temperature\nperplexity: %1").arg(title_lines(protocol)));
  empty_note_ = nullptr;
  if (!any_ppl) {
    empty_note_ = new QCPItemText(plot_);
    empty_note_->setClipAxisRect(ppl_rect_);
    empty_note_->position->setType(QCPItemPosition::ptAxisRectRatio);
    empty_note_->position->setAxisRect(ppl_rect_);
    empty_note_->position->setCoords(0.5, 0.5);
    empty_note_->setText(traces_.isEmpty() ? tr("no run yet")
                                           : tr("no perplexity measured: set \"evaluate every N steps\" in the Start dialog"));
    empty_note_->setColor(QColor(110, 110, 110));
  }
  for (QCPAxisRect* r : {ppl_rect_, kl_rect_, t_rect_}) {
    r->axis(QCPAxis::atBottom)->setRange(-0.5, max_step + 0.5);
    rescale_value_axis(r, false);
  }
  fit_legend(plot_, width());
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PerplexityView::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  fit_legend(plot_, width());
}

}  // namespace bcjr::widgets
