#include "engine/quant/window_sampler.h"

#include <torch/torch.h>

#include "engine/core/error.h"

namespace bcjr::quant {
namespace {
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

WindowSampler::WindowSampler(int64_t stream_tokens, int64_t window, uint64_t seed)
    : tokens_(stream_tokens), window_(window), seed_(seed) {
  BCJR_CHECK(window >= 2, "calibration window of ", window, " tokens (need at least 2)");
  BCJR_CHECK(stream_tokens >= window, "calibration data has ", stream_tokens, " tokens, fewer than one window of ",
             window);
}

int64_t WindowSampler::start(int64_t index) const {
  const uint64_t positions = uint64_t(tokens_ - window_ + 1);
  return int64_t(mix(mix(seed_) ^ uint64_t(index)) % positions);
}

torch::Tensor WindowSampler::window(const std::vector<int64_t>& stream, int64_t index) const {
  BCJR_CHECK(int64_t(stream.size()) == tokens_, "calibration stream changed size");
  const int64_t s = start(index);
  auto t = torch::empty({1, window_}, torch::kLong);
  std::copy(stream.begin() + s, stream.begin() + s + window_, t.data_ptr<int64_t>());
  return t;
}

}  // namespace bcjr::quant
