// The summary of a scripted studio run (autorun-summary.json in its run folder, and stdout with
// --exit-when-done): status, steps, seconds per step, perplexities with their protocol, the GUI's
// event-loop latency, the Cancel latency, the pictures taken and the device.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QVector>
#include <nlohmann/json.hpp>

#include "app/studio/run_end.h"
#include "app/studio/view_capture.h"

namespace bcjr::studio {

struct AutorunRecord {
  QString run_file;
  RunEnd end;
  QString device;  // the config's: cpu | cuda
  int steps_total = 0, steps_done = 0;
  QVector<double> step_seconds;  // per step of this run, as the engine timed them
  QStringList errors;            // every engine error shown during the run
  double cancel_after_s = -1, cancel_pressed_after_s = -1;
  bool cancel_pressed = false;
  QList<CapturedView> screenshots;
  double wall_seconds = 0;
  int exit_code = 0;
};

// Mean and median (of an even count: the mean of the two middle values); 0 for none.
double mean_of(QVector<double> v);
double median_of(QVector<double> v);

// The run folder's results.json as {"protocol": {...}, "FP": {...}, "PTQ": {...}, "QAT": {...}},
// or null when the run wrote none.
nlohmann::json perplexities_of_run(const QString& run_dir);

// What the run ran on: {"kind": "cpu", "name": "<CPU model>", "threads": N, "host": ...}; for
// cuda the GPU's model as the NVIDIA driver names it.
nlohmann::json device_description(const QString& kind);

nlohmann::json autorun_summary(const AutorunRecord& r);

}  // namespace bcjr::studio
