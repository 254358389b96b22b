#include "widgets/schedule_editor.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace bcjr::widgets {

ScheduleEditor::ScheduleEditor(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->xAxis->setLabel(tr("training step"));
  plot_->yAxis->setLabel(tr("temperature T (normalised units)"));
  plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
  plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  curve_ = plot_->addGraph();
  curve_->setPen(QPen(QColor(31, 119, 180), 1.6));
  curve_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
  handles_ = plot_->addGraph();
  handles_->setLineStyle(QCPGraph::lsNone);
  handles_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(QColor(214, 39, 40), 2), Qt::white, 10));
  current_ = plot_->addGraph();
  current_->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
  connect(plot_, &QCustomPlot::mousePress, this, &ScheduleEditor::onPress);
  connect(plot_, &QCustomPlot::mouseMove, this, &ScheduleEditor::onMove);
  connect(plot_, &QCustomPlot::mouseRelease, this, &ScheduleEditor::onRelease);
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, &ScheduleEditor::onDoubleClick);
  setExponential(0.3, 0.05);
}

void ScheduleEditor::setSteps(int steps) {
  steps_ = std::max(1, steps);
  setPoints(points_);
}

void ScheduleEditor::setPoints(const QVector<QPointF>& points) {
  points_.clear();
  for (QPointF p : points) {
    p.setX(std::clamp(std::round(p.x()), 0.0, double(steps_ - 1)));
    p.setY(std::clamp(p.y(), kMinT, kMaxT));
    // One point per step: a later one replaces an earlier one at the same step.
    auto same = std::find_if(points_.begin(), points_.end(), [&](const QPointF& q) { return q.x() == p.x(); });
    if (same != points_.end()) *same = p;
    else points_.append(p);
  }
  std::sort(points_.begin(), points_.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
  redraw();
  Q_EMIT scheduleChanged(points_);
}

void ScheduleEditor::setExponential(double t0, double tmin) { setPoints({QPointF(0, t0), QPointF(steps_ - 1, tmin)}); }

QVector<double> ScheduleEditor::temperatures() const {
  QVector<double> t(steps_, points_.isEmpty() ? 1.0 : points_.first().y());
  for (int i = 0; i < steps_; ++i) {
    if (points_.isEmpty()) break;
    if (i <= points_.first().x()) { t[i] = points_.first().y(); continue; }
    if (i >= points_.last().x()) { t[i] = points_.last().y(); continue; }
    for (int j = 0; j + 1 < points_.size(); ++j) {
      const QPointF a = points_[j], b = points_[j + 1];
      if (i >= a.x() && i <= b.x()) {
        double f = (i - a.x()) / (b.x() - a.x());
        t[i] = std::exp(std::log(a.y()) + f * (std::log(b.y()) - std::log(a.y())));
        break;
      }
    }
  }
  return t;
}

void ScheduleEditor::setCurrentStep(int step) {
  current_step_ = step;
  redraw();
}

void ScheduleEditor::redraw() {
  QVector<double> x(steps_);
  for (int i = 0; i < steps_; ++i) x[i] = i;
  curve_->setData(x, temperatures());
  QVector<double> hx, hy;
  for (const QPointF& p : points_) hx.append(p.x()), hy.append(p.y());
  handles_->setData(hx, hy);
  if (current_step_ >= 0) current_->setData({double(current_step_), double(current_step_)}, {kMinT, kMaxT});
  else current_->data()->clear();
  plot_->xAxis->setRange(-0.5, steps_ - 0.5);
  double lo = kMaxT, hi = kMinT;
  for (double v : temperatures()) lo = std::min(lo, v), hi = std::max(hi, v);
  plot_->yAxis->setRange(std::max(kMinT, lo / 2), std::min(kMaxT, hi * 2));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int ScheduleEditor::pointNear(const QPoint& pixel) const {
  for (int i = 0; i < points_.size(); ++i) {
    QPointF c(plot_->xAxis->coordToPixel(points_[i].x()), plot_->yAxis->coordToPixel(points_[i].y()));
    if (std::hypot(c.x() - pixel.x(), c.y() - pixel.y()) < 9) return i;
  }
  return -1;
}

void ScheduleEditor::onPress(QMouseEvent* e) {
  int i = pointNear(e->pos());
  if (e->button() == Qt::RightButton && i >= 0 && points_.size() > 1) {
    auto p = points_;
    p.remove(i);
    setPoints(p);
  } else if (e->button() == Qt::LeftButton) {
    dragging_ = i;
  }
}

void ScheduleEditor::onMove(QMouseEvent* e) {
  if (dragging_ < 0) return;
  points_[dragging_].setY(std::clamp(plot_->yAxis->pixelToCoord(e->pos().y()), kMinT, kMaxT));
  redraw();
}

void ScheduleEditor::onRelease(QMouseEvent*) {
  if (dragging_ >= 0) Q_EMIT scheduleChanged(points_);
  dragging_ = -1;
}

void ScheduleEditor::onDoubleClick(QMouseEvent* e) {
  auto p = points_;
  p.append(QPointF(plot_->xAxis->pixelToCoord(e->pos().x()), plot_->yAxis->pixelToCoord(e->pos().y())));
  setPoints(p);
}

}  // namespace bcjr::widgets
