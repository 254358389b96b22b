// The one conversion from the engine's plain tile posterior (quant::TilePosteriorView: a Gaussian
// tile, a live run's tile or a run folder's) to the value snapshot the posterior view draws.
#pragma once

#include "widgets/snapshots.h"

namespace bcjr::quant {
struct TilePosteriorView;
}

namespace bcjr::studio {

widgets::PosteriorSnapshot posterior_snapshot(const quant::TilePosteriorView& v);

}  // namespace bcjr::studio
