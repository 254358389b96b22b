#include "app/studio/step_snapshot.h"

#include "engine/quant/qat_metrics.h"

namespace bcjr::studio {

widgets::StepSnapshot step_snapshot(const quant::StepMetrics& m) {
  widgets::StepSnapshot s;
  s.step = int(m.step);
  s.phase = int(m.phase);
  s.phase_step = int(m.phase_step);
  s.temperature = m.T;
  s.kl = m.kl;
  s.lr = m.lr;
  s.grad_norm = m.grad_norm;
  s.seconds = m.seconds;
  s.peak_mb = m.peak_rss_mb;
  s.eval_ppl = m.eval_ppl;
  for (const auto& l : m.linears) {
    widgets::FlipSnapshot f;
    f.linear = QString("L%1 %2").arg(l.layer).arg(QString::fromStdString(l.linear));
    f.layer = int(l.layer);
    f.step = int(m.step);
    f.flips = double(l.flips);
    f.tiles_touched = double(l.tiles_touched);
    f.drift_rms = l.drift_rms;
    f.drift_path = l.drift_path;
    f.radius = l.radius;
    f.predicted = l.predicted;
    f.trellis_steps = double(l.trellis_steps);
    f.tiles = double(l.tiles);
    if (l.flips >= 0) s.linears.append(f);
    if (!l.slopes.hist.empty()) {
      widgets::SlopeSnapshot b;
      b.linear = f.linear;
      b.lo = l.slopes.lo;
      b.hi = l.slopes.hi;
      b.mean = l.slopes.mean;
      b.sd = l.slopes.sd;
      b.min = l.slopes.min;
      b.max = l.slopes.max;
      b.probe = l.slopes.probe;
      b.dither = l.slopes.dither;
      for (int64_t c : l.slopes.hist) b.counts.append(double(c));
      s.slopes.append(b);
    }
  }
  return s;
}

}  // namespace bcjr::studio
