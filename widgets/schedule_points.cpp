#include "widgets/schedule_points.h"

#include <algorithm>
#include <cmath>

namespace bcjr::widgets {

QVector<QPointF> tidy_points(QVector<QPointF> points) {
  QVector<QPointF> out;
  for (QPointF p : points) {
    if (!std::isfinite(p.x()) || !std::isfinite(p.y())) continue;
    p.setX(std::max(0.0, p.x()));
    p.setY(std::clamp(p.y(), kScheduleMinT, kScheduleMaxT));
    auto same = std::find_if(out.begin(), out.end(), [&](const QPointF& q) { return q.x() == p.x(); });
    if (same != out.end()) *same = p;
    else out.append(p);
  }
  std::sort(out.begin(), out.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
  if (out.isEmpty()) out.append(QPointF(0, 1.0));
  return out;
}

QVector<double> schedule_temperatures(const PhaseSchedule& s, int steps) {
  QVector<double> t(std::max(0, steps));
  const auto& p = s.points;
  for (int i = 0; i < t.size(); ++i) {
    if (p.isEmpty()) {
      t[i] = 1.0;
    } else if (i <= p.first().x()) {
      t[i] = p.first().y();
    } else if (i >= p.last().x()) {
      t[i] = p.last().y();
    } else {
      int j = 1;
      while (p[j].x() < i) ++j;
      const QPointF a = p[j - 1], b = p[j];
      const double f = (i - a.x()) / (b.x() - a.x());
      t[i] = s.log_t ? a.y() * std::pow(b.y() / a.y(), f) : a.y() + (b.y() - a.y()) * f;
    }
  }
  return t;
}

PhaseSchedule stretch_schedule(const PhaseSchedule& s, int from, int to) {
  PhaseSchedule out = s;
  if (from <= 1 || to < 1 || from == to) return out;
  const double f = double(to - 1) / double(from - 1);
  for (QPointF& p : out.points) p.setX(p.x() * f);
  out.points = tidy_points(out.points);
  return out;
}

}  // namespace bcjr::widgets
