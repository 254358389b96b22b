#include "engine/quant/window_sampler.h"

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/quant/seed_mix.h"

namespace bcjr::quant {

WindowSampler::WindowSampler(int64_t stream_tokens, int64_t window, uint64_t seed)
    : tokens_(stream_tokens), window_(window), seed_(seed) {
  BCJR_CHECK(window >= 2, "calibration window of ", window, " tokens (need at least 2)");
  BCJR_CHECK(stream_tokens >= window, "calibration data has ", stream_tokens, " tokens, fewer than one window of ",
             window);
}

int64_t WindowSampler::start(int64_t index) const {
  const uint64_t positions = uint64_t(tokens_ - window_ + 1);
  return int64_t(splitmix64(splitmix64(seed_) ^ uint64_t(index)) % positions);
}

torch::Tensor WindowSampler::window(const std::vector<int64_t>& stream, int64_t index) const {
  BCJR_CHECK(int64_t(stream.size()) == tokens_, "calibration stream changed size");
  const int64_t s = start(index);
  auto t = torch::empty({1, window_}, torch::kLong);
  std::copy(stream.begin() + s, stream.begin() + s + window_, t.data_ptr<int64_t>());
  return t;
}

}  // namespace bcjr::quant
