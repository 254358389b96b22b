#include "app/studio/schedule_conversion.h"

#include <algorithm>
#include <cmath>

namespace bcjr::studio {

namespace {
using Kind = quant::TemperatureSchedule::Kind;
constexpr int kMaxCosinePoints = 64;
}  // namespace

widgets::PhaseSchedule editor_schedule(const quant::TemperatureSchedule& s, int steps, const QString& label,
                                       bool* clamped) {
  steps = std::max(1, steps);
  widgets::PhaseSchedule p;
  p.label = label;
  QVector<QPointF> pts;
  switch (s.kind()) {
    case Kind::Constant:
      pts = {QPointF(0, s.t0())};
      break;
    case Kind::Exponential:
    case Kind::Linear:
      p.log_t = s.kind() == Kind::Exponential;
      pts = {QPointF(0, s.t0())};
      if (steps > 1) pts.append(QPointF(steps - 1, s.tmin()));
      break;
    case Kind::Cosine: {
      p.log_t = false;
      const int n = std::min(steps, kMaxCosinePoints);
      for (int i = 0; i < n; ++i) {
        const int step = n == 1 ? 0 : int(std::lround(double(i) * (steps - 1) / (n - 1)));
        pts.append(QPointF(step, s.at(step, steps)));
      }
      break;
    }
    case Kind::Points:
      p.log_t = s.interpolation() == quant::TemperatureSchedule::Interpolation::Log;
      for (const auto& [x, t] : s.point_list()) pts.append(QPointF(x, t));
      break;
  }
  p.points = widgets::tidy_points(pts);
  if (clamped) *clamped = p.points != pts;
  return p;
}

quant::TemperatureSchedule engine_schedule(const widgets::PhaseSchedule& p, int steps) {
  const auto pts = widgets::tidy_points(p.points);
  if (pts.size() == 1) return quant::TemperatureSchedule::constant(pts[0].y());
  if (pts.size() == 2 && steps > 1 && pts[0].x() == 0 && pts[1].x() == steps - 1)
    return p.log_t ? quant::TemperatureSchedule::exponential(pts[0].y(), pts[1].y())
                   : quant::TemperatureSchedule::linear(pts[0].y(), pts[1].y());
  std::vector<std::pair<double, double>> list;
  for (const QPointF& q : pts) list.emplace_back(q.x(), q.y());
  return quant::TemperatureSchedule::points(std::move(list), p.log_t ? quant::TemperatureSchedule::Interpolation::Log
                                                                     : quant::TemperatureSchedule::Interpolation::Linear);
}

}  // namespace bcjr::studio
