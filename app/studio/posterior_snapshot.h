// The one conversion from the engine's plain tile posterior (quant::TilePosteriorView: a Gaussian
// tile, a live run's tile or a run folder's: physics::TilePosteriorView, which quant names too) to the value snapshot the posterior view draws.
#pragma once

#include "widgets/snapshots.h"

namespace bcjr::physics {
struct TilePosteriorView;
}

namespace bcjr::studio {

widgets::PosteriorSnapshot posterior_snapshot(const physics::TilePosteriorView& v);

}  // namespace bcjr::studio
