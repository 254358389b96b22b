// The BCJR kernels as templates over (L, kV, V, code), included only by the small instantiation
// files in kernels/inst/. One thread block per tile and sweep; each thread owns whole groups.
//
// Forward (ALGORITHM.md section 4, in log2 units, l_t(s) = -||c(s) - w_t||^2 log2(e) / T): the
// predecessors of the states in group y (s = p*G + y) are the 2^kV states p*G + (y >> ...) that
// share s >> kV, so a_t(s) = l_t(s) + M_t[s >> kV] with M_t the group log-sums of step t-1:
//   M_{t+1}[y] = LSE_p (l_t(p*G + y) + M_t[(p*G + y) >> kV]).
// Backward mirrors it with successor groups z (s = z*2^kV + u) and b_t(s) = B_t[s & (G-1)].
// Each step subtracts the previous step's maximum (found from per-warp partials written before the
// barrier that every step needs anyway), so messages stay near 0 in fp32; the forward sweep adds
// those normalisers up into log2 Z.
//
// VJP tangents (expectation semiring): F_t[x] = E[sum_{tau<t} <g_tau, c(s_tau)> | group x] and
// K_t[z] = E[sum_{tau>t} <g_tau, c(s_tau)> | group z], each shifted per step by a constant (its
// value at index 0) to keep them small; the posterior pass is invariant to such shifts because it
// forms Cov_P(G, c(s_t)) = E[G c] - E[G] E[c] from the same shifted G at each step.
#pragma once

#include <algorithm>

#include "kernels/bcjr_sweep.cuh"
#include "kernels/cuda_check.cuh"
#include "kernels/trellis_device.cuh"

namespace bcjr::kernels {
namespace bcjr_detail {

constexpr int kSweepMaxThreads = 512;
constexpr int kPosteriorThreads = 256;

// How many member terms of a group a thread keeps in registers between the max pass and the exp
// pass; 0 = recompute them (the generic path, where 2^kV is not known at compile time).
template <int KV>
constexpr int group_cache() {
  return (KV > 0 && KV <= 4) ? (1 << KV) : 0;
}

template <int L_, int KV_, int V, CodeKind K, bool kForward, bool kTangent>
__global__ void __launch_bounds__(kSweepMaxThreads) bcjr_sweep_kernel(BcjrLaunch a) {
  const KernelShape<L_, KV_> sh(a.d);
  const int kv = sh.kv, G = sh.G, S = sh.S, N = sh.N, n = sh.n;
  const int tile = blockIdx.x;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;

  __shared__ float2 lut_s[K == CodeKind::Hyb ? kHybLutEntries : 1];
  __shared__ float part[2][32];
  __shared__ float scratch[32];

  const size_t per_tile = size_t(N + 1) * G;
  float* msg = (kForward ? a.msg_f : a.msg_b) + tile * per_tile;
  float* tan = kTangent ? (kForward ? a.tan_f : a.tan_b) + tile * per_tile : nullptr;
  const float* w = a.w + size_t(tile) * n;
  const float* g = kTangent ? a.g + size_t(tile) * n : nullptr;
  const int ov = a.overlap ? a.overlap[tile] : -1;
  const float scale = kLog2e / a.T;

  // Boundary: free, or start states with s >> kV == ov (forward) / end states with
  // s & (G-1) == ov (backward).
  const int first_slot = kForward ? 0 : N - 1;
  for (int y = threadIdx.x; y < G; y += blockDim.x) {
    msg[size_t(first_slot) * G + y] = (ov < 0 || y == ov) ? 0.f : kLogZero;
    if constexpr (kTangent) tan[size_t(first_slot) * G + y] = 0.f;
  }
  load_code_lut<K>(a.code, lut_s);  // ends with a barrier

  double log2_norm = 0.0;
  float norm = 0.f;  // max of the input slot: 0 for the boundary slot
  const int iters = kForward ? N : N - 1;
  for (int i = 0; i < iters; ++i) {
    const int t = kForward ? i : N - 1 - i;  // the step whose local energies enter
    const int out_slot = kForward ? t + 1 : t - 1;
    if (i > 0) {
      __syncthreads();  // the previous step's messages and partials are complete
      norm = reduce_partials(part[(i - 1) & 1], nwarps, MaxOp());
      log2_norm += norm;
    }
    const float* m_in = msg + size_t(t) * G;
    float* m_out = msg + size_t(out_slot) * G;
    const float* t_in = kTangent ? tan + size_t(t) * G : nullptr;
    float* t_out = kTangent ? tan + size_t(out_slot) * G : nullptr;
    const float tref = kTangent ? t_in[0] : 0.f;
    float wt[V], gt[V];
#pragma unroll
    for (int v = 0; v < V; ++v) {
      wt[v] = __ldg(w + t * V + v);
      gt[v] = kTangent ? __ldg(g + t * V + v) : 0.f;
    }

    float local_max = MaxOp::identity();
    for (int y = threadIdx.x; y < G; y += blockDim.x) {
      // Member p of group y: its log-weight, and (tangent) <g_t, c(s)> + tangent of its input group.
      auto term = [&](int p, float& hv) -> float {
        const uint32_t s = kForward ? uint32_t(p) * uint32_t(G) + uint32_t(y) : uint32_t(y) * uint32_t(S) + uint32_t(p);
        const uint32_t x = kForward ? s >> kv : s & uint32_t(G - 1);
        float c[V];
        code_at<V, K>(s, lut_s, a.code.table, c);
        if constexpr (kTangent) hv = dot(gt, c) + t_in[x];
        return fmaf(-scale, sq_dist(c, wt), m_in[x]);
      };
      constexpr int kC = group_cache<KV_>();
      float mx = MaxOp::identity(), sum = 0.f, hs = 0.f;
      if constexpr (kC > 0) {
        float val[kC], hv[kC];
#pragma unroll
        for (int p = 0; p < kC; ++p) {
          val[p] = term(p, hv[p]);
          mx = fmaxf(mx, val[p]);
        }
#pragma unroll
        for (int p = 0; p < kC; ++p) {
          const float e = fast_exp2(val[p] - mx);
          sum += e;
          if constexpr (kTangent) hs = fmaf(e, hv[p], hs);
        }
      } else {
        float hv = 0.f;
        for (int p = 0; p < S; ++p) mx = fmaxf(mx, term(p, hv));
        for (int p = 0; p < S; ++p) {
          const float e = fast_exp2(term(p, hv) - mx);
          sum += e;
          if constexpr (kTangent) hs = fmaf(e, hv, hs);
        }
      }
      const float out = mx + fast_log2(sum) - norm;
      m_out[y] = out;
      local_max = fmaxf(local_max, out);
      if constexpr (kTangent) t_out[y] = hs / sum - tref;
    }
    local_max = warp_reduce(local_max, MaxOp());
    if (lane == 0) part[i & 1][warp] = local_max;
  }

  if constexpr (kForward) {
    __syncthreads();
    const float* m_last = msg + size_t(N) * G;
    float z;
    if (ov >= 0) {
      z = m_last[ov];
    } else {
      float mx = MaxOp::identity();
      for (int y = threadIdx.x; y < G; y += blockDim.x) mx = fmaxf(mx, m_last[y]);
      mx = block_reduce(mx, scratch, MaxOp());
      float s = 0.f;
      for (int y = threadIdx.x; y < G; y += blockDim.x) s += exp2f(m_last[y] - mx);
      s = block_reduce(s, scratch, SumOp());
      z = mx + log2f(s);
    }
    if (threadIdx.x == 0) a.log2z[tile] = log2_norm + double(z);
  }
}

// One block per (tile, step): the state posterior P_t(s) ~ 2^(l_t(s) + M_t[s>>kV] + B_t[s&(G-1)])
// reduced to the soft codeword, the symbol marginals and (tangent) the VJP
// dw_t = (2/T) (E[G c(s_t)] - E[G] E[c(s_t)]), G(s) = F_t[s>>kV] + <g_t, c(s)> + K_t[s&(G-1)].
template <int L_, int KV_, int V, CodeKind K, bool kTangent>
__global__ void __launch_bounds__(kPosteriorThreads) bcjr_posterior_kernel(BcjrLaunch a) {
  const KernelShape<L_, KV_> sh(a.d);
  const int L = sh.L, kv = sh.kv, G = sh.G, S = sh.S, N = sh.N, n = sh.n;
  const int t = blockIdx.x % N, tile = blockIdx.x / N;

  __shared__ float2 lut_s[K == CodeKind::Hyb ? kHybLutEntries : 1];
  __shared__ float scratch[32];
  BCJR_DYNAMIC_SHARED(float, sym_s);  // [2^kV] when symbol marginals are asked for

  const size_t off = size_t(tile) * (N + 1) * G + size_t(t) * G;
  const float* mf = a.msg_f + off;
  const float* mb = a.msg_b + off;
  const float* tf = kTangent ? a.tan_f + off : nullptr;
  const float* tb = kTangent ? a.tan_b + off : nullptr;
  const float scale = kLog2e / a.T;
  float wt[V], gt[V];
#pragma unroll
  for (int v = 0; v < V; ++v) {
    wt[v] = __ldg(a.w + size_t(tile) * n + t * V + v);
    gt[v] = kTangent ? __ldg(a.g + size_t(tile) * n + t * V + v) : 0.f;
  }
  if (a.symbols)
    for (int u = threadIdx.x; u < S; u += blockDim.x) sym_s[u] = 0.f;
  load_code_lut<K>(a.code, lut_s);

  const uint32_t states = 1u << L;
  // Pass 1: the max log-weight, and (VJP) G and c at each thread's best state. The covariance is
  // formed around the most probable state's (G, c): near T -> 0 or with few paths, E[Gc] - E[G]E[c]
  // in fp32 would cancel to noise; around a reference on the dominant path it does not.
  float mx = MaxOp::identity(), best_g = 0.f, best_c[V];
#pragma unroll
  for (int v = 0; v < V; ++v) best_c[v] = 0.f;
  for (uint32_t s = threadIdx.x; s < states; s += blockDim.x) {
    float c[V];
    code_at<V, K>(s, lut_s, a.code.table, c);
    const float f = fmaf(-scale, sq_dist(c, wt), __ldg(mf + (s >> kv)) + __ldg(mb + (s & (G - 1))));
    if (f > mx) {
      mx = f;
      if constexpr (kTangent) {
        best_g = __ldg(tf + (s >> kv)) + dot(gt, c) + __ldg(tb + (s & (G - 1)));
#pragma unroll
        for (int v = 0; v < V; ++v) best_c[v] = c[v];
      }
    }
  }
  const float local_mx = mx;
  mx = block_reduce(mx, scratch, MaxOp());
  __shared__ float ref_s[V + 1];
  if constexpr (kTangent) {
    // Any thread holding the maximum publishes its (G, c); exact ties are equally good references.
    if (local_mx == mx) {
      ref_s[0] = best_g;
#pragma unroll
      for (int v = 0; v < V; ++v) ref_s[1 + v] = best_c[v];
    }
    __syncthreads();
  }
  const float g_ref = kTangent ? ref_s[0] : 0.f;
  float c_ref[V];
#pragma unroll
  for (int v = 0; v < V; ++v) c_ref[v] = kTangent ? ref_s[1 + v] : 0.f;

  // Pass 2: den = sum e, num = sum e c; (VJP) around the reference: sg = sum e G', sc = sum e c',
  // sgc = sum e G' c'.
  float den = 0.f, num[V], sg = 0.f, sc[V], sgc[V];
#pragma unroll
  for (int v = 0; v < V; ++v) num[v] = sc[v] = sgc[v] = 0.f;
  for (uint32_t s = threadIdx.x; s < states; s += blockDim.x) {
    float c[V];
    code_at<V, K>(s, lut_s, a.code.table, c);
    const float f = fmaf(-scale, sq_dist(c, wt), __ldg(mf + (s >> kv)) + __ldg(mb + (s & (G - 1))));
    const float e = fast_exp2(f - mx);
    den += e;
#pragma unroll
    for (int v = 0; v < V; ++v) num[v] = fmaf(e, c[v], num[v]);
    if constexpr (kTangent) {
      const float eg = e * (__ldg(tf + (s >> kv)) + dot(gt, c) + __ldg(tb + (s & (G - 1))) - g_ref);
      sg += eg;
#pragma unroll
      for (int v = 0; v < V; ++v) {
        sc[v] = fmaf(e, c[v] - c_ref[v], sc[v]);
        sgc[v] = fmaf(eg, c[v] - c_ref[v], sgc[v]);
      }
    }
    if (a.symbols) atomicAdd(&sym_s[s & (S - 1)], e);
  }
  den = block_reduce(den, scratch, SumOp());
#pragma unroll
  for (int v = 0; v < V; ++v) num[v] = block_reduce(num[v], scratch, SumOp());
  if constexpr (kTangent) {
    sg = block_reduce(sg, scratch, SumOp());
#pragma unroll
    for (int v = 0; v < V; ++v) {
      sc[v] = block_reduce(sc[v], scratch, SumOp());
      sgc[v] = block_reduce(sgc[v], scratch, SumOp());
    }
  }
  const float inv = 1.f / den;
  if (threadIdx.x == 0) {
#pragma unroll
    for (int v = 0; v < V; ++v) {
      a.codeword[size_t(tile) * n + t * V + v] = num[v] * inv;
      if constexpr (kTangent) {
        if (a.grad) a.grad[size_t(tile) * n + t * V + v] = (2.f / a.T) * (sgc[v] * inv - (sg * inv) * (sc[v] * inv));
      }
    }
  }
  if (a.symbols) {
    __syncthreads();
    for (int u = threadIdx.x; u < S; u += blockDim.x) a.symbols[(size_t(tile) * N + t) * S + u] = sym_s[u] * inv;
  }
}

}  // namespace bcjr_detail

template <int L, int KV, int V, CodeKind K>
void launch_bcjr_tpl(const BcjrLaunch& a) {
  using namespace bcjr_detail;
  if (a.tiles <= 0) return;
  const int G = 1 << (a.d.L - a.d.kv);
  const int threads = std::min(std::max(G, 32), kSweepMaxThreads);
  const size_t sym_bytes = a.symbols ? sizeof(float) * (size_t(1) << a.d.kv) : 0;
  const unsigned post_blocks = unsigned(a.tiles) * unsigned(a.d.N);
  if (a.g) {
    BCJR_LAUNCH((bcjr_sweep_kernel<L, KV, V, K, true, true>), a.tiles, threads, 0, a.stream, a);
    BCJR_CUDA_CHECK_LAUNCH("bcjr forward sweep (tangent)");
    BCJR_LAUNCH((bcjr_sweep_kernel<L, KV, V, K, false, true>), a.tiles, threads, 0, a.stream, a);
    BCJR_CUDA_CHECK_LAUNCH("bcjr backward sweep (tangent)");
    BCJR_LAUNCH((bcjr_posterior_kernel<L, KV, V, K, true>), post_blocks, kPosteriorThreads, sym_bytes, a.stream, a);
    BCJR_CUDA_CHECK_LAUNCH("bcjr posterior (vjp)");
  } else {
    BCJR_LAUNCH((bcjr_sweep_kernel<L, KV, V, K, true, false>), a.tiles, threads, 0, a.stream, a);
    BCJR_CUDA_CHECK_LAUNCH("bcjr forward sweep");
    BCJR_LAUNCH((bcjr_sweep_kernel<L, KV, V, K, false, false>), a.tiles, threads, 0, a.stream, a);
    BCJR_CUDA_CHECK_LAUNCH("bcjr backward sweep");
    BCJR_LAUNCH((bcjr_posterior_kernel<L, KV, V, K, false>), post_blocks, kPosteriorThreads, sym_bytes, a.stream, a);
    BCJR_CUDA_CHECK_LAUNCH("bcjr posterior");
  }
}

}  // namespace bcjr::kernels
