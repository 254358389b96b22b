// The GPU primitives in chunks of tiles: a cancellation check (check_cancel, engine/core/cancel.h)
// before each chunk's launches and a wait for the chunk to finish after them, so that a cancel or
// a pause takes effect within one chunk. The kernels treat tiles independently and give the same
// bits whatever the batch split, so chunked results equal unchunked ones bit for bit.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/trellis/trellis_primitives.h"

namespace bcjr::trellis {

// Tiles per chunk: about 2^37 state transitions per sweep (1024 tiles at L=16, kV=4, n=256; all
// of a linear's tiles at small L), at least 64. BCJR_CUDA_CHUNK_TILES overrides it.
int64_t device_chunk_tiles(const TrellisSpec& spec);

// run(begin, end) for consecutive chunks of `chunk` tiles covering [0, tiles), concatenated.
PathBatch in_chunks(int64_t tiles, int64_t chunk, const std::function<PathBatch(int64_t, int64_t)>& run);
SoftBatch in_chunks(int64_t tiles, int64_t chunk, const std::function<SoftBatch(int64_t, int64_t)>& run);

}  // namespace bcjr::trellis
