// How many tiles one kernel launch takes when GPU memory runs short. The batch is first sized from
// the workspace budget and the free memory; if allocating its workspace still fails (another
// process took memory meanwhile, fragmentation), the batch is halved and the allocation retried,
// with a log line each time. Only when the workspace of a single tile cannot be had does the call
// fail, saying how much memory that needed. Plain C++ (no CUDA, no torch), so that the CPU suite
// tests it with injected allocation failures.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

namespace bcjr::kernels {

// Starts at `batch` tiles and halves it after each failed `try_allocate(batch)` (false: out of
// memory); returns the batch whose workspace was allocated. `log` gets one line per retry. Throws
// std::runtime_error "out of GPU memory: one tile needs B bytes of workspace, F bytes were free"
// when even one tile fails (the engine's dispatch puts the operation's name in front of it).
inline int64_t allocate_shrinking(int64_t batch, int64_t bytes_per_tile, int64_t free_bytes, const std::string& what,
                                  const std::function<bool(int64_t)>& try_allocate,
                                  const std::function<void(const std::string&)>& log) {
  if (batch < 1) batch = 1;
  for (;;) {
    if (try_allocate(batch)) return batch;
    if (batch == 1)
      throw std::runtime_error("out of GPU memory: one tile needs " + std::to_string(bytes_per_tile) +
                               " bytes of workspace, " + std::to_string(free_bytes) + " bytes were free");
    const int64_t next = batch / 2;
    if (log)
      log(what + ": out of GPU memory for the workspace of " + std::to_string(batch) + " tiles (" +
          std::to_string(batch * bytes_per_tile) + " bytes); retrying with " + std::to_string(next) + " tiles at once");
    batch = next;
  }
}

// The fault injection of the GPU test (docs/RELIABILITY.md): with BCJR_CUDA_FAIL_BATCH_ABOVE=N in
// the environment, a workspace for more than N tiles fails as if the GPU were out of memory (0:
// every batch fails, the "impossible size" case).
inline bool injected_allocation_failure(int64_t batch) {
  const char* env = std::getenv("BCJR_CUDA_FAIL_BATCH_ABOVE");
  if (!env || !*env) return false;
  return batch > std::atoll(env);
}

}  // namespace bcjr::kernels
