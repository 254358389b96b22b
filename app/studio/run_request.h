// The one way a new run is asked for: the Start dialog and `bcjr-studio --autorun RUN.json` both
// turn a QatConfig and a run folder into the same TrainRequest, which MainWindow::startTraining
// hands to the training thread.
#pragma once

#include <QString>

#include "app/studio/training_worker.h"
#include "engine/quant/qat_config.h"

namespace bcjr::studio {

// A new run of `config` in `run_dir`. Throws a bcjr::Error naming the field if the config is invalid.
TrainRequest newRunRequest(const quant::QatConfig& config, const QString& run_dir);

// A scripted run's file: {"out": RUN_DIR, "config": {...}}, the config as in a run folder's
// run.json. Throws a bcjr::Error naming the file and the key (or the config's field) at fault.
struct RunFile {
  quant::QatConfig config;
  QString run_dir;
  TrainRequest request;  // newRunRequest(config, run_dir)
};
RunFile readRunFile(const QString& path);

}  // namespace bcjr::studio
