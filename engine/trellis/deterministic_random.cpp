#include "engine/trellis/deterministic_random.h"

#include <cmath>

// Fused multiply-adds would change the last bits between machines: keep every product rounded.
#ifdef __clang__
#pragma clang fp contract(off)
#endif

namespace bcjr::trellis {

uint64_t DeterministicRandom::next_u64() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double DeterministicRandom::uniform() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

void DeterministicRandom::normal_pair(double& a, double& b) {
  for (;;) {
    const double u = 2.0 * uniform() - 1.0;
    const double v = 2.0 * uniform() - 1.0;
    const double s = u * u + v * v;
    if (s >= 1.0 || s == 0.0) continue;
    const double f = std::sqrt(-2.0 * deterministic_log(s) / s);  // sqrt is correctly rounded
    a = u * f;
    b = v * f;
    return;
  }
}

double deterministic_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m = m * 2.0;
    e -= 1;
  }
  // log m = 2 atanh(f), f = (m-1)/(m+1), |f| <= 0.1716: 12 odd terms reach double precision.
  const double f = (m - 1.0) / (m + 1.0);
  const double f2 = f * f;
  double sum = 0.0;
  for (int i = 23; i >= 3; i -= 2) {
    double term = 1.0 / double(i);
    sum = sum * f2;
    sum = sum + term;
  }
  double series = sum * f2;
  series = series * f;
  series = series + f;
  const double ln2 = 0.69314718055994530942;
  double le = double(e) * ln2;
  return le + 2.0 * series;
}

}  // namespace bcjr::trellis
