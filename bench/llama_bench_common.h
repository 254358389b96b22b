// Shared by the Llama benchmarks: the FLOPs one forward spends per token, the device's own
// matrix-multiply rate measured in the same run (the reference the tokens/s are read against),
// and timing that waits for the device.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include <torch/torch.h>

#include "engine/model/llama_config.h"
#include "engine/model/llama_flops.h"

namespace bcjr::bench {

// FLOPs per token of a whole forward (engine/model/llama_flops.h).
using model::llama_flops_per_token;

// Seconds per call of f (the median of `reps` timed calls after one warm-up), with `sync`
// called before each clock read so that asynchronous devices are waited for.
inline double time_call(const std::function<void()>& f, const std::function<void()>& sync, int reps) {
  f();
  sync();
  std::vector<double> times;
  for (int i = 0; i < std::max(reps, 1); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    sync();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// GFLOP/s of torch::mm on square n x n matrices of `options`, the best over a few sizes.
inline double peak_matmul_gflops(const torch::TensorOptions& options, const std::function<void()>& sync,
                                 const std::vector<int64_t>& sizes) {
  double best = 0;
  for (int64_t n : sizes) {
    auto a = torch::randn({n, n}, options), b = torch::randn({n, n}, options);
    const double s = time_call([&] { torch::mm(a, b); }, sync, 5);
    const double gflops = 2.0 * double(n) * double(n) * double(n) / s / 1e9;
    std::printf("  matmul %5lld x %-5lld %8.1f GFLOP/s\n", static_cast<long long>(n), static_cast<long long>(n), gflops);
    best = std::max(best, gflops);
  }
  return best;
}

// Prints tokens/s of `seconds` per forward of [batch, ctx], the model's FLOP rate and its ratio
// to the matmul peak measured in the same run.
inline void print_llama_speed(const model::LlamaConfig& c, int64_t batch, int64_t ctx, double seconds, double peak) {
  const double tps = double(batch * ctx) / seconds, flops = llama_flops_per_token(c, ctx);
  std::printf("forward [%lld, %lld]: %.4f s  ->  %.0f tokens/s\n", static_cast<long long>(batch),
              static_cast<long long>(ctx), seconds, tps);
  std::printf("model: %.3f GFLOP/token at ctx %lld  ->  %.1f GFLOP/s achieved\n", flops / 1e9,
              static_cast<long long>(ctx), tps * flops / 1e9);
  std::printf("peak matmul %.1f GFLOP/s  ->  efficiency %.0f%%\n", peak, 100.0 * tps * flops / 1e9 / peak);
}

}  // namespace bcjr::bench
