#include "engine/trellis/tile_solvers.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/core/cancel.h"
#include "engine/trellis/fast_math.h"

// The sweeps are a few long elementwise loops: on x86-64 Linux, also build them for AVX2 and pick
// at load time (GCC function multi-versioning); elsewhere the baseline build is used. Not under
// ThreadSanitizer: it instruments the version resolver, which the loader runs before TSan's runtime
// has started (the program crashes as it loads).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
#define BCJR_HOT_LOOPS __attribute__((target_clones("avx2", "default")))
#else
#define BCJR_HOT_LOOPS
#endif

namespace bcjr::trellis {
namespace {

constexpr float kCostInf = 1e30f;

// d[s] = ||c(s) - w_t||^2 for every state.
void distances(const CodeColumns& code, int64_t S, const float* wt, float* __restrict d) {
  const float* __restrict c0 = code.c0.data();
  const float w0 = wt[0];
  if (code.V == 1) {
    for (int64_t s = 0; s < S; ++s) {
      const float e = c0[s] - w0;
      d[s] = e * e;
    }
    return;
  }
  const float* __restrict c1 = code.c1.data();
  const float w1 = wt[1];
  for (int64_t s = 0; s < S; ++s) {
    const float e0 = c0[s] - w0;
    const float e1 = c1[s] - w1;
    d[s] = e0 * e0 + e1 * e1;
  }
}

// h[s] = <g_t, c(s)>, the step's share of the additive functional G of the VJP.
void tangents(const CodeColumns& code, int64_t S, const float* gt, float* __restrict h) {
  const float* __restrict c0 = code.c0.data();
  const float g0 = gt[0];
  if (code.V == 1) {
    for (int64_t s = 0; s < S; ++s) h[s] = g0 * c0[s];
    return;
  }
  const float* __restrict c1 = code.c1.data();
  const float g1 = gt[1];
  for (int64_t s = 0; s < S; ++s) h[s] = g0 * c0[s] + g1 * c1[s];
}

// out[s] = base[s >> log2(B)] - ||c(s) - w_t||^2 / T: the forward message of a step, each block
// of B consecutive states sharing its group's log-sum (distances computed in the same pass).
void local_plus_blocked(const CodeColumns& code, int64_t G, int B, const float* wt, float inv_t,
                        const float* __restrict base, float* __restrict out) {
  const float* __restrict c0 = code.c0.data();
  const float* __restrict c1 = code.V == 2 ? code.c1.data() : nullptr;
  const float w0 = wt[0], w1 = code.V == 2 ? wt[1] : 0.0f;
  for (int64_t q = 0; q < G; ++q) {
    const float b = base[q];
    const int64_t o = q * B;
    if (c1) {
      for (int u = 0; u < B; ++u) {
        const float e0 = c0[o + u] - w0, e1 = c1[o + u] - w1;
        out[o + u] = b - (e0 * e0 + e1 * e1) * inv_t;
      }
    } else {
      for (int u = 0; u < B; ++u) {
        const float e0 = c0[o + u] - w0;
        out[o + u] = b - e0 * e0 * inv_t;
      }
    }
  }
}

// out[s] = base[s & (G-1)] - ||c(s) - w_t||^2 / T: the backward message plus the local term,
// periodic in s with period G.
void local_plus_periodic(const CodeColumns& code, int64_t G, int B, const float* wt, float inv_t,
                         const float* __restrict base, float* __restrict out) {
  const float* __restrict c0 = code.c0.data();
  const float* __restrict c1 = code.V == 2 ? code.c1.data() : nullptr;
  const float w0 = wt[0], w1 = code.V == 2 ? wt[1] : 0.0f;
  for (int j = 0; j < B; ++j) {
    const int64_t o = j * G;
    if (c1) {
      for (int64_t k = 0; k < G; ++k) {
        const float e0 = c0[o + k] - w0, e1 = c1[o + k] - w1;
        out[o + k] = base[k] - (e0 * e0 + e1 * e1) * inv_t;
      }
    } else {
      for (int64_t k = 0; k < G; ++k) {
        const float e0 = c0[o + k] - w0;
        out[o + k] = base[k] - e0 * e0 * inv_t;
      }
    }
  }
}

// Reductions with 16 independent partial results: without -ffast-math a compiler may not
// reorder a float sum, so a single accumulator would run one element per add latency.
constexpr int kLanes = 16;

template <typename F>
float sum_lanes(int64_t n, F&& f) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += f(i + l);
  float total = 0;
  for (; i < n; ++i) total += f(i);
  for (int l = 0; l < kLanes; ++l) total += acc[l];
  return total;
}

template <typename F>
float max_lanes(int64_t n, F&& f) {
  float acc[kLanes];
  for (int l = 0; l < kLanes; ++l) acc[l] = -3.0e38f;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const float v = f(i + l);
      acc[l] = v > acc[l] ? v : acc[l];
    }
  float m = -3.0e38f;
  for (; i < n; ++i) m = f(i) > m ? f(i) : m;
  for (int l = 0; l < kLanes; ++l) m = acc[l] > m ? acc[l] : m;
  return m;
}

float max_of(const float* __restrict x, int64_t n) {
  return max_lanes(n, [x](int64_t i) { return x[i]; });
}

float min_of(const float* __restrict x, int64_t n) {
  return -max_lanes(n, [x](int64_t i) { return -x[i]; });
}

float sum_of(const float* __restrict x, int64_t n) {
  return sum_lanes(n, [x](int64_t i) { return x[i]; });
}

void exp_shifted(const float* __restrict x, float shift, float* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = exp_fast(x[i] - shift);
}

// Subtracts the mean: tangents only matter up to a constant per step, and small ones keep the
// covariance sums accurate in fp32.
void centre(float* __restrict x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  const float m = float(s / double(n));
  for (int64_t i = 0; i < n; ++i) x[i] -= m;
}

}  // namespace

CodeColumns::CodeColumns(const Codebook& cb) : V(cb.V) {
  const int64_t S = cb.states();
  c0.resize(S);
  if (V == 2) c1.resize(S);
  for (int64_t s = 0; s < S; ++s) {
    c0[s] = cb.table[s * V];
    if (V == 2) c1[s] = cb.table[s * V + 1];
  }
}

// ---------------------------------------------------------------------------------------------
// Viterbi

int cancel_check_stride(const TrellisSpec& spec) {
  const int64_t per_step = spec.states() * spec.symbols();
  int stride = 1;
  while (stride < 1024 && per_step * stride * 2 <= (int64_t(1) << 20)) stride *= 2;
  return stride;  // a power of two
}

ViterbiTileSolver::ViterbiTileSolver(const TrellisSpec& spec, const CodeColumns& code)
    : spec_(spec), code_(code), check_mask_(cancel_check_stride(spec) - 1) {
  cost_.resize(spec.states());
  dist_.resize(spec.states());
  best_.resize(spec.overlaps());
  choice_.resize(size_t(spec.steps()) * spec.overlaps());
}

BCJR_HOT_LOOPS double ViterbiTileSolver::solve(const float* w, int overlap, int32_t* states) {
  const int64_t S = spec_.states(), G = spec_.overlaps();
  const int B = spec_.symbols(), N = spec_.steps(), V = spec_.V, kv = spec_.kv();
  float* __restrict cost = cost_.data();
  float* __restrict dist = dist_.data();
  float* __restrict best = best_.data();

  distances(code_, S, w, dist);
  if (overlap < 0) {
    std::copy(dist, dist + S, cost);
  } else {
    std::fill(cost, cost + S, kCostInf);
    std::copy(dist + int64_t(overlap) * B, dist + int64_t(overlap) * B + B, cost + int64_t(overlap) * B);
  }
  for (int t = 1; t < N; ++t) {
    if ((t & check_mask_) == 0) check_cancel();
    uint8_t* __restrict ch = choice_.data() + size_t(t) * G;
    std::copy(cost, cost + G, best);
    std::fill(ch, ch + G, uint8_t(0));
    for (int j = 1; j < B; ++j) {
      const float* __restrict blk = cost + j * G;
      for (int64_t g = 0; g < G; ++g) {
        const bool better = blk[g] < best[g];  // strict: ties keep the lower block
        best[g] = better ? blk[g] : best[g];
        ch[g] = better ? uint8_t(j) : ch[g];
      }
    }
    // Keep costs near zero so that fp32 resolves differences late in the tile as well as early.
    const float floor = min_of(best, G);
    distances(code_, S, w + size_t(t) * V, dist);
    for (int64_t g = 0; g < G; ++g) {
      const float base = best[g] - floor;
      for (int u = 0; u < B; ++u) cost[g * B + u] = dist[g * B + u] + base;
    }
  }
  int64_t end = -1;
  float end_cost = 0;
  for (int64_t i = 0; i < (overlap < 0 ? S : B); ++i) {
    const int64_t s = overlap < 0 ? i : i * G + overlap;
    if (end < 0 || cost[s] < end_cost) {
      end = s;
      end_cost = cost[s];
    }
  }
  int64_t s = end;
  states[N - 1] = int32_t(s);
  for (int t = N - 1; t >= 1; --t) {
    const int64_t g = s >> kv;
    s = g + int64_t(choice_[size_t(t) * G + g]) * G;
    states[t - 1] = int32_t(s);
  }
  double energy = 0;
  for (int t = 0; t < N; ++t)
    for (int v = 0; v < V; ++v) {
      const double c = v == 0 ? code_.c0[states[t]] : code_.c1[states[t]];
      const double e = c - double(w[size_t(t) * V + v]);
      energy += e * e;
    }
  return energy;
}

// ---------------------------------------------------------------------------------------------
// BCJR

BcjrTileSolver::BcjrTileSolver(const TrellisSpec& spec, const CodeColumns& code, double T)
    : spec_(spec), code_(code), inv_t_(float(1.0 / T)), t_(T), check_mask_(cancel_check_stride(spec) - 1) {
  const int64_t S = spec.states(), G = spec.overlaps();
  const size_t steps_stored = size_t(std::max(0, spec.steps() - 1));
  group_lse_.resize(steps_stored * G);
  group_tangent_.resize(steps_stored * G);
  for (auto* v : {&a_, &at_, &p_, &beta_, &r_, &q_, &A_}) v->resize(S);
  for (auto* v : {&bvec_, &btan_, &gsum_, &gtan_, &gfac_}) v->resize(G);
}

void BcjrTileSolver::solve(const float* w, int overlap, SoftTileOutput& out) {
  forward(w, out.grad_in, overlap, out.log_z);
  backward(w, out.grad_in, overlap, out);
}

BCJR_HOT_LOOPS void BcjrTileSolver::forward(const float* w, const float* g, int overlap, double& log_z) {
  const int64_t S = spec_.states(), G = spec_.overlaps();
  const int B = spec_.symbols(), N = spec_.steps(), V = spec_.V;
  const bool vjp = g != nullptr;
  const float inv_t = inv_t_;
  float* __restrict a = a_.data();
  float* __restrict at = at_.data();
  float* __restrict p = p_.data();
  float* __restrict gmax = gfac_.data();
  float* __restrict gsum = gsum_.data();
  float* __restrict gtan = gtan_.data();

  distances(code_, S, w, p);
  for (int64_t s = 0; s < S; ++s) a[s] = -p[s] * inv_t;
  if (overlap >= 0) {
    const int64_t lo = int64_t(overlap) * B, hi = lo + B;
    for (int64_t s = 0; s < S; ++s) a[s] = (s >= lo && s < hi) ? a[s] : kLogZero;
  }
  if (vjp) tangents(code_, S, g, at);

  double offset = 0;  // a_t = a[] + offset
  for (int t = 0; t + 1 < N; ++t) {
    if ((t & check_mask_) == 0) check_cancel();
    // Log-sum-exp over the predecessors g + jG of each group, shifted by the group's own maximum
    // so that no group underflows, whatever the temperature.
    std::copy(a, a + G, gmax);
    for (int j = 1; j < B; ++j) {
      const float* __restrict aj = a + j * G;
      for (int64_t q = 0; q < G; ++q) gmax[q] = aj[q] > gmax[q] ? aj[q] : gmax[q];
    }
    for (int j = 0; j < B; ++j) {
      const float* __restrict aj = a + j * G;
      float* __restrict pj = p + j * G;
      for (int64_t q = 0; q < G; ++q) pj[q] = exp_fast(aj[q] - gmax[q]);
    }
    std::copy(p, p + G, gsum);
    for (int j = 1; j < B; ++j) {
      const float* __restrict pj = p + j * G;
      for (int64_t q = 0; q < G; ++q) gsum[q] += pj[q];
    }
    const float mx = max_of(gmax, G);
    offset += mx;
    float* __restrict m = group_lse_.data() + size_t(t) * G;
    for (int64_t q = 0; q < G; ++q) m[q] = (gmax[q] - mx) + log_fast(gsum[q]);  // gsum >= 1
    float* __restrict mt = group_tangent_.data() + size_t(t) * G;
    if (vjp) {
      for (int64_t q = 0; q < G; ++q) gtan[q] = p[q] * at[q];
      for (int j = 1; j < B; ++j) {
        const float* __restrict pj = p + j * G;
        const float* __restrict atj = at + j * G;
        for (int64_t q = 0; q < G; ++q) gtan[q] += pj[q] * atj[q];
      }
      for (int64_t q = 0; q < G; ++q) mt[q] = gtan[q] / gsum[q];
      centre(mt, G);
    }
    // Step t+1: a = l_{t+1} + m(s >> kV).
    local_plus_blocked(code_, G, B, w + size_t(t + 1) * V, inv_t, m, a);
    if (vjp) {
      tangents(code_, S, g + size_t(t + 1) * V, at);
      for (int64_t q = 0; q < G; ++q) {
        const float tq = mt[q];
        for (int u = 0; u < B; ++u) at[q * B + u] += tq;
      }
    }
  }
  // log Z over the allowed end states.
  const int64_t count = overlap < 0 ? S : B;
  auto end_state = [&](int64_t i) { return overlap < 0 ? i : i * G + overlap; };
  float mx = a[end_state(0)];
  for (int64_t i = 1; i < count; ++i) mx = std::max(mx, a[end_state(i)]);
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += std::exp(double(a[end_state(i)]) - mx);
  log_z = offset + mx + std::log(sum);
}

BCJR_HOT_LOOPS void BcjrTileSolver::backward(const float* w, const float* g, int overlap, SoftTileOutput& out) {
  const int64_t S = spec_.states(), G = spec_.overlaps();
  const int B = spec_.symbols(), N = spec_.steps(), V = spec_.V;
  const bool vjp = g != nullptr;
  const float inv_t = inv_t_;
  const float two_over_t = float(2.0 / t_);
  const float* __restrict c0 = code_.c0.data();
  const float* __restrict c1 = V == 2 ? code_.c1.data() : nullptr;
  float* __restrict beta = beta_.data();
  float* __restrict r = r_.data();
  float* __restrict q = q_.data();
  float* __restrict A = A_.data();
  float* __restrict bt = p_.data();  // beta tangents
  float* __restrict bvec = bvec_.data();
  float* __restrict btan = btan_.data();
  float* __restrict bmax = gsum_.data();
  float* __restrict gtan = gtan_.data();
  float* __restrict gfac = gfac_.data();
  float* __restrict rsum = a_.data();  // the forward messages are no longer needed

  for (int64_t o = 0; o < G; ++o) {
    bvec[o] = (overlap < 0 || o == overlap) ? 0.0f : kLogZero;
    btan[o] = 0.0f;
  }
  for (int t = N - 1; t >= 0; --t) {
    if ((t & check_mask_) == 0) check_cancel();
    // beta(s) = l_t(s) + b_t(s); b_t depends on s & (G-1) only.
    local_plus_periodic(code_, G, B, w + size_t(t) * V, inv_t, bvec, beta);
    // The block k*B .. k*B+B-1 is both the successor set of the states with s & (G-1) == k at
    // step t-1 and the forward group k (s >> kV == k) at step t: one exp per state serves the
    // backward message and the posterior, each block shifted by its own maximum.
    for (int64_t k = 0; k < G; ++k) {
      float m = beta[k * B];
      for (int u = 1; u < B; ++u) m = beta[k * B + u] > m ? beta[k * B + u] : m;
      bmax[k] = m;
    }
    for (int64_t k = 0; k < G; ++k) {
      const float m = bmax[k];
      for (int u = 0; u < B; ++u) r[k * B + u] = exp_fast(beta[k * B + u] - m);
    }
    for (int64_t k = 0; k < G; ++k) {
      float sum = 0;
      for (int u = 0; u < B; ++u) sum += r[k * B + u];
      rsum[k] = sum;  // >= 1
    }
    // Posterior q = P_t up to a constant: exp(a_t + b_t) = r * exp(bmax(k) + m_{t-1}(k)).
    if (t >= 1) {
      const float* m = group_lse_.data() + size_t(t - 1) * G;
      for (int64_t k = 0; k < G; ++k) q[k] = bmax[k] + m[k];
      exp_shifted(q, max_of(q, G), gfac, G);
    } else if (overlap < 0) {
      exp_shifted(bmax, max_of(bmax, G), gfac, G);
    } else {
      for (int64_t k = 0; k < G; ++k) gfac[k] = k == overlap ? 1.0f : 0.0f;
    }
    for (int64_t k = 0; k < G; ++k) {
      const float f = gfac[k];
      for (int u = 0; u < B; ++u) q[k * B + u] = r[k * B + u] * f;
    }
    const float inv_sum = 1.0f / sum_of(q, S);
    const float mean0 = sum_lanes(S, [&](int64_t s) { return q[s] * c0[s]; }) * inv_sum;
    const float mean1 = V == 2 ? sum_lanes(S, [&](int64_t s) { return q[s] * c1[s]; }) * inv_sum : 0.0f;
    out.codeword[size_t(t) * V] = mean0;
    if (V == 2) out.codeword[size_t(t) * V + 1] = mean1;
    if (out.symbol_marginals) {
      float* __restrict mg = out.symbol_marginals + size_t(t) * B;
      std::fill(mg, mg + B, 0.0f);
      for (int64_t k = 0; k < G; ++k)
        for (int u = 0; u < B; ++u) mg[u] += q[k * B + u];
      for (int u = 0; u < B; ++u) mg[u] *= inv_sum;
    }
    if (out.on_step) out.on_step(t, q, inv_sum);

    if (vjp) {
      // A(s) = a'_t(s) + b'_t(s) = E[G | s_t = s] up to a constant.
      tangents(code_, S, g + size_t(t) * V, bt);  // bt = h_t + b'_t, the backward tangent
      for (int j = 0; j < B; ++j) {
        float* __restrict btj = bt + j * G;
        for (int64_t o = 0; o < G; ++o) btj[o] += btan[o];
      }
      if (t >= 1) {
        const float* mt = group_tangent_.data() + size_t(t - 1) * G;
        for (int64_t k = 0; k < G; ++k) {
          const float f = mt[k];
          for (int u = 0; u < B; ++u) A[k * B + u] = bt[k * B + u] + f;
        }
      } else {
        std::copy(bt, bt + S, A);
      }
      const float abar = sum_lanes(S, [&](int64_t s) { return q[s] * A[s]; }) * inv_sum;
      const float cov0 = sum_lanes(S, [&](int64_t s) { return q[s] * (A[s] - abar) * (c0[s] - mean0); });
      const float cov1 =
          V == 2 ? sum_lanes(S, [&](int64_t s) { return q[s] * (A[s] - abar) * (c1[s] - mean1); }) : 0.0f;
      out.grad_w[size_t(t) * V] = two_over_t * cov0 * inv_sum;
      if (V == 2) out.grad_w[size_t(t) * V + 1] = two_over_t * cov1 * inv_sum;
    }
    if (t == 0) break;
    // Messages for step t-1, indexed by o = s & (G-1): b = log sum over the block o of exp(beta).
    const float shift = max_of(bmax, G);
    for (int64_t o = 0; o < G; ++o) bvec[o] = (bmax[o] - shift) + log_fast(rsum[o]);
    if (vjp) {
      for (int64_t o = 0; o < G; ++o) {
        float sum = 0;
        for (int u = 0; u < B; ++u) sum += r[o * B + u] * bt[o * B + u];
        gtan[o] = sum;
      }
      for (int64_t o = 0; o < G; ++o) btan[o] = gtan[o] / rsum[o];
      centre(btan, G);
    }
  }
}

BCJR_HOT_LOOPS double exp_fast_throughput(double seconds) {
  std::vector<float> x(1 << 16), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = -20.0f * float(i) / float(x.size());
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  int64_t count = 0;
  volatile float sink = 0;
  double elapsed = 0;
  do {
    exp_shifted(x.data(), 0.0f, y.data(), int64_t(x.size()));
    sink = sink + y[count % y.size()];
    count += int64_t(x.size());
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < seconds);
  return double(count) / elapsed;
}

}  // namespace bcjr::trellis
