// A parallel loop over independent items (tiles, rows) on the engine's thread count, with
// chunks handed out dynamically. Exceptions from the body are rethrown on the calling thread.
#pragma once

#include <cstdint>
#include <functional>

namespace bcjr {

// Calls body(begin, end) for disjoint ranges covering [0, n), at most `grain` items each.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

}  // namespace bcjr
