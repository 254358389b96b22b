#include "widgets/drift_budget_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMap>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/linear_names.h"
#include "widgets/trace_plot.h"

namespace bcjr::widgets {

DriftBudgetView::DriftBudgetView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot), selector_(new QComboBox) {
  selector_->setObjectName("driftLinear");
  selector_->setMinimumContentsLength(14);
  selector_->setToolTip(tr("The linear drawn bold on the left and plotted over time on the right"));
  connect(selector_, &QComboBox::currentTextChanged, this, [this] { rebuild(); });
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Linear")));
  bar->addWidget(selector_);
  auto* note = new QLabel(tr("Escape is predicted where drift crosses the basin radius r = σ_w / √(2π·2^kV)"));
  note->setWordWrap(true);
  bar->addWidget(note, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(plot_, 1);
  rebuild();
}

QString DriftBudgetView::selectedLinear() const { return selector_->currentText(); }

void DriftBudgetView::selectLinear(const QString& name) {
  const int i = selector_->findText(name);
  if (i >= 0) selector_->setCurrentIndex(i);
}

void DriftBudgetView::setTraces(const QVector<RunTrace>& traces) {
  traces_ = traces;
  QStringList names;
  for (const RunTrace& t : traces_)
    for (const StepSnapshot& s : t.steps)
      for (const FlipSnapshot& f : s.linears)
        if (!names.contains(f.linear)) names.append(f.linear);
  // In the model's order: by layer, then q, k, v, o, gate, up, down.
  auto rank = [](const QString& n) {
    const int i = linear_names().indexOf(n.section(' ', 1));
    return std::make_pair(n.section(' ', 0, 0).mid(1).toInt(), i < 0 ? 99 : i);
  };
  std::stable_sort(names.begin(), names.end(), [&](const QString& a, const QString& b) { return rank(a) < rank(b); });
  if (names != linears_) {
    const QString keep = selector_->currentText();
    linears_ = names;
    QSignalBlocker block(selector_);
    selector_->clear();
    selector_->addItems(names);
    const int i = selector_->findText(keep);
    selector_->setCurrentIndex(i >= 0 ? i : 0);
  }
  rebuild();
}

void DriftBudgetView::rebuild() {
  plot_->clearPlottables();
  plot_->clearItems();
  TracePlotLayout l = make_trace_plot_layout(plot_, tr("Codeword flips against the Voronoi-basin radius"));
  flips_rect_ = make_axis_rect(plot_, tr("drift RMS / basin radius r"), tr("fraction of trellis steps flipped since PTQ"),
                               false);
  const QString selected = selector_->currentText();
  // The right panel plots the selected linear alone: its axis says which.
  series_rect_ = make_axis_rect(plot_, tr("training step"),
                                selected.isEmpty() ? tr("normalised units (RHT(W) / scale)")
                                                   : tr("%1, normalised units (RHT(W) / scale)").arg(selected),
                                false);
  l.body->addElement(0, 0, flips_rect_);
  l.body->addElement(0, 1, series_rect_);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

  double max_ratio = 1.2, max_step = 1;
  QVector<QCPItemText*> end_labels;  // the selected linear's name at the end of its trajectories
  for (const RunTrace& t : traces_) {
    // One trajectory per linear: (drift / r, flips / trellis steps) at each step that counted flips.
    QMap<QString, QVector<QPointF>> traj;
    QVector<double> steps, drift, radius, predicted;
    for (const StepSnapshot& s : t.steps)
      for (const FlipSnapshot& f : s.linears) {
        if (f.radius > 0 && f.trellis_steps > 0 && f.flips >= 0)
          traj[f.linear].append(QPointF(f.drift_rms / f.radius, f.flips / f.trellis_steps));
        if (f.linear == selected) {
          steps.append(s.step);
          drift.append(f.drift_rms);
          radius.append(f.radius);
          predicted.append(f.predicted);
          max_step = std::max(max_step, double(s.step));
        }
      }
    QCPCurve* bold = nullptr;
    for (auto it = traj.begin(); it != traj.end(); ++it) {
      auto* c = new QCPCurve(flips_rect_->axis(QCPAxis::atBottom), flips_rect_->axis(QCPAxis::atLeft));
      c->setName(tr("%1: %2").arg(trace_name(t), it.key()));
      QVector<double> cx, cy;
      for (const QPointF& p : it.value()) cx.append(p.x()), cy.append(p.y()), max_ratio = std::max(max_ratio, p.x() * 1.05);
      c->setData(cx, cy);
      const bool is_selected = it.key() == selected;
      QColor color = t.color;
      if (!is_selected) color.setAlpha(70);
      c->setPen(trace_pen(color, Qt::SolidLine, is_selected ? 2.6 : 1.0));
      c->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, is_selected ? 6 : 3));
      if (is_selected) bold = c;
    }
    if (bold && !bold->data()->isEmpty()) {
      auto* end = new QCPItemText(plot_);
      end_labels.append(end);
      end->setClipAxisRect(flips_rect_);
      end->position->setAxes(flips_rect_->axis(QCPAxis::atBottom), flips_rect_->axis(QCPAxis::atLeft));
      end->position->setCoords(bold->data()->at(bold->data()->size() - 1)->key,
                               bold->data()->at(bold->data()->size() - 1)->value);
      end->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
      end->setText(QStringLiteral(" ") + selected + QStringLiteral(" "));
      end->setColor(t.color.darker(130));
    }
    auto series = [&](const QVector<double>& y, Qt::PenStyle style, const QString& what) {
      QCPGraph* g = plot_->addGraph(series_rect_->axis(QCPAxis::atBottom), series_rect_->axis(QCPAxis::atLeft));
      g->setName(tr("%1: %2 %3").arg(trace_name(t), selected, what));
      g->setPen(trace_pen(t.color, style));
      g->setData(steps, y);
      return g;
    };
    QCPGraph* d = series(drift, Qt::SolidLine, tr("drift RMS"));
    d->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    series(radius, Qt::DashLine, tr("radius r"));
    series(predicted, Qt::DotLine, tr("predicted drift"));
    // The legend names the run once.
    auto* key = plot_->addGraph(series_rect_->axis(QCPAxis::atBottom), series_rect_->axis(QCPAxis::atLeft));
    key->setName(trace_name(t));
    key->setPen(trace_pen(t.color));
    l.legend->addItem(new QCPPlottableLegendItem(l.legend, key));
  }
  if (!traces_.isEmpty()) {
    add_style_key(plot_, l.legend, series_rect_, tr("drift RMS"), Qt::SolidLine);
    add_style_key(plot_, l.legend, series_rect_, tr("radius r"), Qt::DashLine);
    add_style_key(plot_, l.legend, series_rect_, tr("predicted drift (steps × lr)"), Qt::DotLine);
  }
  // Escape threshold: drift = r.
  auto* threshold = new QCPItemStraightLine(plot_);
  threshold->setClipAxisRect(flips_rect_);
  for (QCPItemPosition* p : {threshold->point1, threshold->point2})
    p->setAxes(flips_rect_->axis(QCPAxis::atBottom), flips_rect_->axis(QCPAxis::atLeft));
  threshold->point1->setCoords(1, 0);
  threshold->point2->setCoords(1, 1);
  threshold->setPen(QPen(QColor(200, 40, 40), 1.4, Qt::DashDotLine));
  auto* label = new QCPItemText(plot_);
  label->setClipAxisRect(flips_rect_);
  label->position->setType(QCPItemPosition::ptPlotCoords);
  label->position->setAxes(flips_rect_->axis(QCPAxis::atBottom), flips_rect_->axis(QCPAxis::atLeft));
  label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  label->setText(tr(" escape: drift = r"));
  label->setColor(QColor(200, 40, 40));

  flips_rect_->axis(QCPAxis::atBottom)->setRange(0, max_ratio);
  // A name that would run off the right edge goes to the left of its point.
  for (QCPItemText* end : end_labels)
    if (end->position->coords().x() > 0.7 * max_ratio) end->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
  rescale_value_axis(flips_rect_, true);
  label->position->setCoords(1, flips_rect_->axis(QCPAxis::atLeft)->range().upper);
  series_rect_->axis(QCPAxis::atBottom)->setRange(-0.5, max_step + 0.5);
  rescale_value_axis(series_rect_, true);
  if (traces_.isEmpty()) l.title->setText(tr("Codeword flips against the Voronoi-basin radius — no run yet"));
  fit_legend(plot_, width());
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void DriftBudgetView::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  fit_legend(plot_, width());
}

}  // namespace bcjr::widgets
