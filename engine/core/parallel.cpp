#include "engine/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/runtime.h"

namespace bcjr {

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t chunks = (n + grain - 1) / grain;
  const int workers = int(std::min<int64_t>(thread_count(), chunks));
  if (workers <= 1) {
    for (int64_t b = 0; b < n; b += grain) {
      check_cancel();
      body(b, std::min(n, b + grain));
    }
    return;
  }
  // The caller's cancellation token goes with the work: every chunk starts with a check.
  const std::shared_ptr<const CancelToken> token = current_cancel_token_shared();
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&]() {
    CancelScope scope(token);
    for (;;) {
      int64_t c = next.fetch_add(1);
      if (c >= chunks) return;
      {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error) return;
      }
      try {
        check_cancel();
        body(c * grain, std::min(n, (c + 1) * grain));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < workers; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace bcjr
