// An editable temperature schedule: control points (training step, T) on a log-T axis. Drag a point
// to change its T, double-click to add one, right-click to remove one. Between points T is
// interpolated linearly in log T, which is what an exponential schedule is.
#pragma once

#include <QPointF>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QMouseEvent;

namespace bcjr::widgets {

class ScheduleEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ScheduleEditor(QWidget* parent = nullptr);

  // Points sorted by step; T > 0. Steps outside [0, steps-1] are clamped.
  void setPoints(const QVector<QPointF>& points);
  QVector<QPointF> points() const { return points_; }
  void setSteps(int steps);
  int steps() const { return steps_; }
  // The temperature the schedule gives at every step 0..steps-1.
  QVector<double> temperatures() const;
  // T0 (Tmin/T0)^(i/(N-1)) as two end points: the paper's exponential schedule.
  void setExponential(double t0, double tmin);
  // Marks the step a run is at (-1: none), so the user sees what an edit still changes.
  void setCurrentStep(int step);
  QCustomPlot* plot() const { return plot_; }

  static constexpr double kMinT = 1e-3;
  static constexpr double kMaxT = 10.0;

 Q_SIGNALS:
  void scheduleChanged(const QVector<QPointF>& points);

 private:
  void redraw();
  int pointNear(const QPoint& pixel) const;
  void onPress(QMouseEvent* e);
  void onMove(QMouseEvent* e);
  void onRelease(QMouseEvent* e);
  void onDoubleClick(QMouseEvent* e);

  QCustomPlot* plot_;
  QCPGraph* curve_;
  QCPGraph* handles_;
  QCPGraph* current_;
  QVector<QPointF> points_;
  int steps_ = 10;
  int dragging_ = -1;
  int current_step_ = -1;
};

}  // namespace bcjr::widgets
