// SplitMix64, the one integer mixer behind every seed the quantisation engine derives (RHT signs,
// calibration windows): fixed arithmetic, so the same seed gives the same run on every platform.
#pragma once

#include <cstdint>

namespace bcjr::quant {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace bcjr::quant
