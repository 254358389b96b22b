// The value the schedule editor edits: for each training phase, control points (step, T) joined
// linearly in log T (an exponential is two points) or in T, over a run of `steps` steps. Plain
// values, so that undo can keep whole states and the studio can convert them to the engine's
// TemperatureSchedule (app/studio/schedule_conversion.h), whose point lists mean the same thing.
#pragma once

#include <QPointF>
#include <QString>
#include <QVector>

namespace bcjr::widgets {

struct PhaseSchedule {
  QString label;            // "layer 4", or empty for the one schedule of every phase
  QVector<QPointF> points;  // sorted by step, distinct steps >= 0, T in [kMinT, kMaxT]
  bool log_t = true;        // joined linearly in log T (else linearly in T)
  bool operator==(const PhaseSchedule& o) const { return label == o.label && points == o.points && log_t == o.log_t; }
  bool operator!=(const PhaseSchedule& o) const { return !(*this == o); }
};

struct ScheduleState {
  int steps = 10;                 // steps per phase
  QVector<PhaseSchedule> phases;  // at least one
  bool operator==(const ScheduleState& o) const { return steps == o.steps && phases == o.phases; }
  bool operator!=(const ScheduleState& o) const { return !(*this == o); }
};

constexpr double kScheduleMinT = 1e-3;
constexpr double kScheduleMaxT = 10.0;

// Sorts, clamps T into [kScheduleMinT, kScheduleMaxT] and steps to >= 0, and keeps the last of
// several points at one step. An empty list becomes one point at T = 1.
QVector<QPointF> tidy_points(QVector<QPointF> points);

// T at every step 0..steps-1: held before the first point and after the last, joined between.
QVector<double> schedule_temperatures(const PhaseSchedule& s, int steps);

// The schedule of a run of `from` steps spread over `to` steps: a point at step x moves to
// x (to-1)/(from-1), so the curve keeps its shape (an exponential stays the same exponential).
PhaseSchedule stretch_schedule(const PhaseSchedule& s, int from, int to);

}  // namespace bcjr::widgets
