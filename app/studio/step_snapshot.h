// The one conversion from the engine's per-step metrics (a live run's callback, or a line of a run
// folder's metrics.jsonl) to the value snapshot the views draw.
#pragma once

#include "widgets/snapshots.h"

namespace bcjr::quant {
struct StepMetrics;
}

namespace bcjr::studio {

widgets::StepSnapshot step_snapshot(const quant::StepMetrics& m);

}  // namespace bcjr::studio
