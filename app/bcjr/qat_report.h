// Terminal output of a QAT or PTQ run: one line per step and the closing summary (perplexities
// with their protocol, per-linear PTQ errors), shared by `bcjr ptq` and `bcjr train`.
#pragma once

#include <string>

#include "engine/quant/qat_metrics.h"
#include "engine/quant/qat_session.h"

namespace bcjr::cli {

void print_step(const quant::StepMetrics& m, int64_t total_steps);
// Reads results.json of the run folder and prints it.
void print_run_summary(const std::string& run_dir);

}  // namespace bcjr::cli
