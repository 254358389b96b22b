// One run as the curve views draw it: its steps, its run-level perplexities, and the name and
// colour it has in a legend. The run going on in the window and runs opened from disk are all
// RunTraces, so every curve view overlays several runs in one way.
#pragma once

#include <QColor>
#include <QMetaType>
#include <QString>
#include <QVector>
#include <cmath>

#include "widgets/snapshots.h"

namespace bcjr::widgets {

struct RunTrace {
  QString id;         // the run folder: the key of the run
  QString label;      // legend text: what differs between the runs shown (schedule, lr, seed, method)
  QColor color;
  bool live = false;  // the run going on in this window
  QVector<StepSnapshot> steps;
  double ppl_fp = NAN, ppl_ptq = NAN, ppl_qat = NAN;  // NaN: not measured
  QString ppl_protocol;  // e.g. "held-out moby-dick.txt (last 10% of lines), ctx 2048, 27 windows, fp32, BOS"
};

}  // namespace bcjr::widgets

Q_DECLARE_METATYPE(bcjr::widgets::RunTrace)
