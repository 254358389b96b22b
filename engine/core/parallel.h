// A parallel loop over independent items (tiles, rows) on the engine's thread count, with
// chunks handed out dynamically. Exceptions from the body are rethrown on the calling thread.
// Every chunk starts with check_cancel() on the caller's cancellation token (engine/core/cancel.h),
// so a cancel or a pause takes effect within one chunk per worker: keep chunks short.
#pragma once

#include <cstdint>
#include <functional>

namespace bcjr {

// Calls body(begin, end) for disjoint ranges covering [0, n), at most `grain` items each.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

}  // namespace bcjr
