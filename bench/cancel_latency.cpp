// bench/cancel_latency: how long Cancel takes to stop the CPU engine, against how long the work it
// interrupts runs uninterrupted (the reference, measured in the same run: before the in-loop
// checks, a cancel during a step's backward waited for all of it). The work is what a BCJR-QAT step
// does for each target linear: the BCJR soft codeword of the linear's tiles and its exact VJP,
// through the soft quantiser's autograd function (forward, then backward), hyb, k=2, V=2, n=256, at
// L=10 (exact tail-biting: 64 overlaps per tile, the repro) and L=16 (tail-biting conditioned
// on the Viterbi path's overlap). A second thread cancels at a random moment of it; the latency is
// the time from cancel() to the exception reaching the caller (a cancel inside the backward arrives
// as LibTorch's c10::Error and is told apart by the token, as the trainer does).
// On the GPU (--device cuda) the tiles go to the kernels in chunks with a check between them
// (engine/trellis/device_chunks.h); the latency there is bounded by one chunk.
//   usage: cancel_latency [--device cpu|cuda] [--threads N] [--trials N] [--tiles N] [--seed S]
// Default: 432 tiles on the CPU, a SmolLM2-135M k_proj (192 x 576); on the GPU 13824 tiles, the
// seven linears of one SmolLM2-135M layer.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/device_chunks.h"
#include "engine/trellis/soft_quantize.h"

using namespace bcjr;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Work {
  trellis::TrellisSpec spec;
  std::shared_ptr<const trellis::Codebook> cb;
  torch::Tensor w, g;
  // The forward and backward of the soft codeword; true if it ran to the end.
  bool run(const std::shared_ptr<CancelToken>& token, const char** where) const {
    CancelScope scope(token);
    auto x = w.clone().set_requires_grad(true);
    *where = "forward";
    try {
      auto loss = (trellis::soft_quantize(x, spec, cb, trellis::Boundary::TailBiting, 0.1) * g).sum();
      *where = "backward";
      loss.backward();
    } catch (const Cancelled&) {
      return false;
    } catch (const std::exception&) {
      if (token->cancelled()) return false;  // rethrown by the autograd engine
      throw;
    }
    return true;
  }
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[size_t(std::min<double>(double(v.size() - 1), p * double(v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, trials = 8;
  int64_t tiles = 0;
  uint64_t seed = 1;
  std::string device = "cpu";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--device")) device = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--trials")) trials = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--tiles")) tiles = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  set_thread_count(threads);
  const bool cuda = device == "cuda";
  if (cuda && !torch::cuda::is_available()) {
    std::fprintf(stderr, "cancel_latency: --device cuda, but no CUDA device is available to this build\n");
    return 1;
  }
  if (tiles <= 0) tiles = cuda ? 13824 : 432;
  std::printf("cancel_latency on %s: %lld tiles of 256, hyb k=2 V=2, T=0.1, %d CPU threads, %d cancels per "
              "configuration\n",
              device.c_str(), (long long)tiles, thread_count(), trials);
  std::mt19937_64 rng(seed);
  for (int L : {10, 16}) {
    Work work;
    work.spec = trellis::TrellisSpec{L, 2, 2, 256};
    work.cb = std::make_shared<const trellis::Codebook>(trellis::make_codebook("hyb", L, 2));
    torch::manual_seed(int64_t(seed));
    work.w = (torch::randn({tiles, 256}) * (0.9 * work.cb->rms())).to(torch::Device(device));
    work.g = torch::randn({tiles, 256}).to(torch::Device(device));
    const std::string method = trellis::bcjr_method(work.spec, trellis::Boundary::TailBiting,
                                                    trellis::BcjrTailBiting::Auto);
    // The reference: the whole forward and backward, uninterrupted (on the GPU after a warm-up).
    const char* where = "";
    if (cuda) work.run(std::make_shared<CancelToken>(), &where);
    auto t0 = Clock::now();
    work.run(std::make_shared<CancelToken>(), &where);
    const double full = seconds_since(t0);
    std::printf("\nL=%d (%s): forward + backward uninterrupted %.3f s (%.3f ms a tile)", L, method.c_str(), full,
                1e3 * full / double(tiles));
    if (cuda) {
      // What the chunks cost: the same work as one launch per primitive call, in the same run.
      setenv("BCJR_CUDA_CHUNK_TILES", "1000000000", 1);
      t0 = Clock::now();
      work.run(std::make_shared<CancelToken>(), &where);
      const double whole = seconds_since(t0);
      unsetenv("BCJR_CUDA_CHUNK_TILES");
      std::printf(", in GPU chunks of %lld tiles; unchunked %.3f s (chunked / unchunked %.3f)",
                  (long long)trellis::device_chunk_tiles(work.spec), whole, full / whole);
    }
    std::printf("\n");
    std::vector<double> latency, waited;
    std::uniform_real_distribution<double> at(0.02 * full, 0.98 * full);
    for (int t = 0; t < trials; ++t) {
      auto token = std::make_shared<CancelToken>();
      const double delay = at(rng);
      Clock::time_point cancelled_at;
      std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        cancelled_at = Clock::now();
        token->cancel();
      });
      const bool finished = work.run(token, &where);
      const auto stopped = Clock::now();
      canceller.join();
      if (finished) {
        std::printf("  trial %d: finished before the cancel at %.1f s\n", t, delay);
        continue;
      }
      latency.push_back(std::chrono::duration<double>(stopped - cancelled_at).count());
      // Without the checks inside the sweeps and the backward, this cancel would have been seen only
      // once the linear's forward and backward were over: about full - delay later.
      waited.push_back(std::max(0.0, full - delay));
      std::printf("  trial %d: cancel at %5.1f s, in the %-8s -> stopped %6.1f ms later (uninterrupted: %.2f s more)\n",
                  t, delay, where, 1e3 * latency.back(), waited.back());
    }
    if (!latency.empty())
      std::printf("L=%d: cancel latency p50 %.1f ms, max %.1f ms over %zu cancels; reference, the rest of the work "
                  "at the same moments: p50 %.2f s, max %.2f s (whole: %.2f s)\n",
                  L, 1e3 * percentile(latency, 0.5), 1e3 * percentile(latency, 1.0), latency.size(),
                  percentile(waited, 0.5), percentile(waited, 1.0), full);
  }
  return 0;
}
