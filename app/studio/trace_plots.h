// Draws RunTraces into the window's present curve views (the Perplexity plot and the Flips
// view) until those views take QVector<RunTrace> themselves: one run alone is drawn as before
// (its series per quantity and per linear); several runs overlay, each in its colour and named
// by its label, with the per-linear series summed per run so that the legend stays short.
#pragma once

#include <QVector>

#include "widgets/run_trace.h"

namespace bcjr::widgets {
class CurvePlot;
class FlipsView;
}

namespace bcjr::studio {

void draw_traces(const QVector<widgets::RunTrace>& traces, widgets::CurvePlot* curves, widgets::FlipsView* flips);

}  // namespace bcjr::studio
