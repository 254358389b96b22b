#include "app/studio/trace_plots.h"

#include <QObject>

#include "widgets/curve_plot.h"
#include "widgets/flips_view.h"

namespace bcjr::studio {
namespace {

void draw_one(const widgets::RunTrace& t, widgets::CurvePlot* curves, widgets::FlipsView* flips) {
  const QString kl = QObject::tr("KL(teacher || student)"), temp = QObject::tr("temperature T"),
                ppl = QObject::tr("held-out perplexity");
  for (const auto& s : t.steps) {
    curves->appendPoint(kl, s.step, s.kl);
    curves->appendPoint(temp, s.step, s.temperature);
    if (s.eval_ppl > 0) curves->appendPoint(ppl, s.step, s.eval_ppl);
    for (const auto& f : s.linears) flips->addSnapshot(f);
  }
}

void draw_overlay(const widgets::RunTrace& t, widgets::CurvePlot* curves, widgets::FlipsView* flips) {
  const QString kl = t.label + QObject::tr(": KL"), temp = t.label + QObject::tr(": T"),
                ppl = t.label + QObject::tr(": held-out perplexity");
  const QString flipped = t.label + QObject::tr(": flips, all linears"), drift = t.label + QObject::tr(": drift RMS, largest"),
                radius = t.label + QObject::tr(": radius r, smallest");
  curves->setSeriesPen(kl, t.color);
  curves->setSeriesPen(temp, t.color, Qt::DashLine);
  for (const auto& s : t.steps) {
    curves->appendPoint(kl, s.step, s.kl);
    curves->appendPoint(temp, s.step, s.temperature);
    if (s.eval_ppl > 0) {
      curves->setSeriesPen(ppl, t.color, Qt::DotLine);
      curves->appendPoint(ppl, s.step, s.eval_ppl);
    }
    if (s.linears.isEmpty()) continue;
    double sum = 0, largest = 0, smallest = s.linears.first().radius;
    for (const auto& f : s.linears) {
      sum += f.flips;
      largest = std::max(largest, f.drift_rms);
      smallest = std::min(smallest, f.radius);
    }
    flips->flipsPlot()->setSeriesPen(flipped, t.color);
    flips->flipsPlot()->appendPoint(flipped, s.step, sum);
    flips->driftPlot()->setSeriesPen(drift, t.color);
    flips->driftPlot()->appendPoint(drift, s.step, largest);
    flips->driftPlot()->setSeriesPen(radius, t.color, Qt::DashLine);
    flips->driftPlot()->appendPoint(radius, s.step, smallest);
  }
}

}  // namespace

void draw_traces(const QVector<widgets::RunTrace>& traces, widgets::CurvePlot* curves, widgets::FlipsView* flips) {
  curves->clear();
  flips->clear();
  if (traces.size() == 1) draw_one(traces.first(), curves, flips);
  else
    for (const auto& t : traces) draw_overlay(t, curves, flips);
  curves->refresh();
  flips->refresh();
}

}  // namespace bcjr::studio
