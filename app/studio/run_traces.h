// Run folders as the curve views draw them: a run's metrics.jsonl read into a RunTrace (through
// the one metrics -> StepSnapshot conversion, step_snapshot.h) with its FP / PTQ / QAT
// perplexities and their protocol; the colour of the n-th run shown; and the legend labels that
// name runs by what differs between them. Reading is plain file I/O, meant to run off the GUI
// thread (RunsPanel and RunOverlay call it through QtConcurrent).
#pragma once

#include <QColor>
#include <QString>
#include <QVector>

#include "widgets/run_trace.h"

namespace bcjr::studio {

// Throws a bcjr::Error naming the file if run.json is missing or a metrics line is not JSON
// (a last line cut short by a running writer is skipped, not an error).
widgets::RunTrace load_run_trace(const QString& run_dir);

// A palette of colours that stay apart on light and dark backgrounds; wraps after 10.
QColor run_colour(int index);

// Sets each trace's label from the difference between the runs' configurations (run.json of
// each trace's id); traces whose run.json cannot be read keep their folder name.
void label_traces(QVector<widgets::RunTrace>& traces);

}  // namespace bcjr::studio
