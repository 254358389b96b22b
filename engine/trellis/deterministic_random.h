// Random numbers that are bit-identical on every platform, compiler and LibTorch version, for
// the seeded parts of a codebook (the hyb LUT): an integer generator (SplitMix64) and normal
// samples made with only IEEE-exact operations (+ - * / sqrt) and our own log, never libm.
#pragma once

#include <cstdint>

namespace bcjr::trellis {

class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform();
  // A pair of independent standard normal samples (Marsaglia's polar method).
  void normal_pair(double& a, double& b);

 private:
  uint64_t state_;
};

// Natural log of x > 0 from frexp and an atanh series: exactly reproducible, ~1 ulp.
double deterministic_log(double x);

}  // namespace bcjr::trellis
