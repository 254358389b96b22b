#include "engine/core/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <thread>

namespace bcjr {

static std::atomic<int> g_threads{0};

int set_thread_count(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  g_threads = threads;
  return threads;
}

int thread_count() {
  int t = g_threads.load();
  return t > 0 ? t : set_thread_count(0);
}

bool cuda_available() { return at::hasCUDA(); }

}  // namespace bcjr
