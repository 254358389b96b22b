// Seeded calibration windows: window i of a run starts at a pure function of (seed, i), so a
// resumed run draws exactly the windows an uninterrupted one would, with no sampler state to save.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace bcjr::quant {

class WindowSampler {
 public:
  // Throws a bcjr::Error if the stream is shorter than one window.
  WindowSampler(int64_t stream_tokens, int64_t window, uint64_t seed);
  int64_t start(int64_t index) const;
  // int64 [1, window] tokens of window `index`.
  torch::Tensor window(const std::vector<int64_t>& stream, int64_t index) const;
  int64_t window_tokens() const { return window_; }

 private:
  int64_t tokens_, window_;
  uint64_t seed_;
};

}  // namespace bcjr::quant
