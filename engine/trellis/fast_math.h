// exp and log for the trellis hot loops: branch-free float code the compiler vectorises (libm's
// expf/logf are scalar calls without -ffast-math). Cephes' minimax polynomials, about 1-2 ulp.
// exp_fast returns exactly 0 below -87 (messages are max-normalised, so that is "impossible"),
// log_fast returns kLogZero for 0, a finite stand-in for -inf that keeps 0 * (-inf) out of sums.
// GCC vectorises loops with float compares (these, max, argmin) only with -fno-trapping-math,
// which engine/CMakeLists.txt sets for tile_solvers.cpp (outside the shared torch PCH).
#pragma once


#include <cstdint>
#include <cstring>

namespace bcjr::trellis {

constexpr float kLogZero = -1e30f;

inline float exp_fast(float x) {
  const int32_t keep = -int32_t(x >= -87.0f);  // all ones unless the result underflows
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  int32_t n;
  std::memcpy(&n, &shifted, 4);
  n -= 0x4B400000;
  const float nf = shifted - 12582912.0f;
  float r = x - nf * 0.693359375f;
  r = r + nf * 2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  const int32_t bits = (n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  const float y = p * scale;
  int32_t yb;
  std::memcpy(&yb, &y, 4);
  yb &= keep;
  float out;
  std::memcpy(&out, &yb, 4);
  return out;
}
// x >= 0, normal or zero.
inline float log_fast(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, 4);
  int32_t e = ((bits >> 23) & 0xFF) - 127;
  int32_t mbits = (bits & 0x007FFFFF) | 0x3F800000;
  // m in [1, 2); fold to [sqrt(1/2), sqrt(2)) by moving the top mantissa bit into the exponent.
  const int32_t big = -int32_t(mbits > 0x3FB504F3);
  mbits -= big & 0x00800000;
  e -= big;
  float m;
  std::memcpy(&m, &mbits, 4);
  const float f = m - 1.0f;
  const float z = f * f;
  float y = 7.0376836292e-2f;
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  const float ef = float(e);
  y = y - 2.12194440e-4f * ef;
  y = y - 0.5f * z;
  float out = f + y;
  out = out + 0.693359375f * ef;
  return x > 0.0f ? out : kLogZero;
}
}  // namespace bcjr::trellis
