// The schedule editor's values (widgets/schedule_points.h) and the engine's TemperatureSchedule
// (engine/quant/schedule.h) are one thing in two forms: points joined in log T or T mean the same in
// both, and the editor's presets are the engine's schedules drawn as points. Saved files and run.json
// hold the engine's JSON.
#pragma once

#include <QString>
#include <vector>

#include "engine/quant/schedule.h"
#include "widgets/schedule_points.h"

namespace bcjr::studio {

// The schedule as editor points for a phase of `steps` steps. Exponential, linear and constant
// schedules are exact as one or two points; a cosine becomes a point per step (64 points, joined
// in T, beyond 64 steps). T outside the editor's range is clamped; *clamped (optional) says so.
widgets::PhaseSchedule editor_schedule(const quant::TemperatureSchedule& s, int steps, const QString& label = {},
                                       bool* clamped = nullptr);

// The engine schedule that gives the editor's temperatures at every step of a `steps`-step phase:
// one point is a constant, two points on the first and last step an exponential (log T) or a
// linear schedule (T), anything else a point list with the editor's join.
quant::TemperatureSchedule engine_schedule(const widgets::PhaseSchedule& p, int steps);

}  // namespace bcjr::studio
