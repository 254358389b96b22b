// The BCJR kernels as templates over (L, kV, V, code), included only by the small instantiation
// files in kernels/inst/. One thread block per tile and sweep; each thread owns whole groups.
//
// Forward (docs/ALGORITHM.md section 4, in log2 units, l_t(s) = -||c(s) - w_t||^2 log2(e) / T): the
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
// value at index 0) to keep them small; the posterior is invariant to such shifts because it
// forms Cov_P(G, c(s_t)) from the same shifted G at each step.
//
// The posterior (codeword, VJP) is reduced inside the backward sweep (kFuse, PostAcc below); the
// separate posterior kernel, one block per (tile, step), serves the symbol marginals and is the
// reference the fused path is tested against.
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

// Members of a group per vector load in the lean fused sweeps (variants 1, 2): a group's 2^kV successor
// groups are consecutive, 2^kV-aligned and inside one step's row when 2^kV <= G, so float4 loads
// cover them; the generic path (kV known only at run time) loads them one by one.
template <int L_, int KV_>
constexpr int lean_run() {
  return (KV_ >= 2 && L_ - KV_ >= KV_) ? 4 : 1;
}

// row[x .. x+W) into registers, as one 16-byte load when W == 4 (x and row 16-byte aligned).
template <int W>
__device__ __forceinline__ void load_run(const float* row, uint32_t x, float (&r)[W]) {
  if constexpr (W == 4) {
    const float4 q = *reinterpret_cast<const float4*>(row + x);
    r[0] = q.x;
    r[1] = q.y;
    r[2] = q.z;
    r[3] = q.w;
  } else {
#pragma unroll
    for (int j = 0; j < W; ++j) r[j] = row[x + j];
  }
}

// The posterior mass of a set of states at one step, as the fused backward sweep merges it across
// groups, threads and warps: weights relative to 2^R, R the log2 weight of the set's most probable
// state (its reference: ties go to the smallest state index), and with tangents the moments of
// (G - g, c - c_ref) around that state. Around the dominant state they stay exact as T -> 0, where
// E[Gc] - E[G] E[c] in fp32 would cancel to noise. A plain aggregate so that it can be __shared__.
template <int V, bool kTangent>
struct PostAcc {
  float R;
  int ref;
  float g, c[V];      // G and c(s) at the reference state
  float den, num[V];  // sum w, sum w c
  float sg, sc[V], sgc[V];  // sum w (G - g), sum w (c - c_ref), sum w (G - g)(c - c_ref)
};

template <int V, bool kTangent>
__device__ __forceinline__ PostAcc<V, kTangent> post_empty() {
  PostAcc<V, kTangent> p;
  p.R = MaxOp::identity();
  p.ref = 0x7fffffff;
  p.g = p.den = p.sg = 0.f;
#pragma unroll
  for (int v = 0; v < V; ++v) p.c[v] = p.num[v] = p.sc[v] = p.sgc[v] = 0.f;
  return p;
}

// a := a merged with b. The winner (larger R, then smaller reference index) keeps its reference;
// the loser is scaled by 2^(R_l - R_w) <= 1 and re-referenced (dg = g_l - g_w, dc = c_l - c_w):
//   S_gc + dg S_c + dc S_g + dg dc den,  S_g + dg den,  S_c + dc den.
// The loser's moments are around a state no more probable than the winner's, so the shift does
// not cancel. Symmetric in (a, b) bit for bit, so both lanes of a butterfly agree.
template <int V, bool kTangent>
__device__ __forceinline__ void post_merge(PostAcc<V, kTangent>& a, const PostAcc<V, kTangent>& b) {
  const bool b_wins = b.R > a.R || (kTangent && b.R == a.R && b.ref < a.ref);
  const PostAcc<V, kTangent> w = b_wins ? b : a, l = b_wins ? a : b;
  const float f = fast_exp2(l.R - w.R);
  a = w;
  a.den = fmaf(f, l.den, w.den);
#pragma unroll
  for (int v = 0; v < V; ++v) a.num[v] = fmaf(f, l.num[v], w.num[v]);
  if constexpr (kTangent) {
    const float dg = l.g - w.g;
    const float sg_l = fmaf(dg, l.den, l.sg);
    a.sg = fmaf(f, sg_l, w.sg);
#pragma unroll
    for (int v = 0; v < V; ++v) {
      const float dc = l.c[v] - w.c[v];
      a.sgc[v] = fmaf(f, fmaf(dc, sg_l, fmaf(dg, l.sc[v], l.sgc[v])), w.sgc[v]);
      a.sc[v] = fmaf(f, fmaf(dc, l.den, l.sc[v]), w.sc[v]);
    }
  }
}

template <int V, bool kTangent>
__device__ __forceinline__ PostAcc<V, kTangent> post_shfl_xor(const PostAcc<V, kTangent>& a, int o) {
  constexpr unsigned kAll = 0xffffffffu;
  PostAcc<V, kTangent> b = a;
  b.R = __shfl_xor_sync(kAll, a.R, o);
  b.den = __shfl_xor_sync(kAll, a.den, o);
#pragma unroll
  for (int v = 0; v < V; ++v) b.num[v] = __shfl_xor_sync(kAll, a.num[v], o);
  if constexpr (kTangent) {
    b.ref = __shfl_xor_sync(kAll, a.ref, o);
    b.g = __shfl_xor_sync(kAll, a.g, o);
    b.sg = __shfl_xor_sync(kAll, a.sg, o);
#pragma unroll
    for (int v = 0; v < V; ++v) {
      b.c[v] = __shfl_xor_sync(kAll, a.c[v], o);
      b.sc[v] = __shfl_xor_sync(kAll, a.sc[v], o);
      b.sgc[v] = __shfl_xor_sync(kAll, a.sgc[v], o);
    }
  }
  return b;
}

// Butterfly over lanes [0, width) of each aligned run of `width` (a power of two) in a fixed
// order; every lane ends with the same bits as the others of its run.
template <int V, bool kTangent>
__device__ __forceinline__ void post_warp_merge(PostAcc<V, kTangent>& a, int width = 32) {
  for (int o = width >> 1; o > 0; o >>= 1) post_merge(a, post_shfl_xor(a, o));
}

// The block's posterior of step t from the per-warp partials (nwarps, a power of two), then its
// outputs. Every warp reduces them, warp 0 writes: the emulation (kernels/emulation/) needs every
// thread to meet the same shuffles, and the redundant copies only use issue slots the step's
// slowest warp would leave idle at the barrier anyway.
template <int V, bool kTangent>
__device__ __forceinline__ void post_finish(const PostAcc<V, kTangent>* part, int nwarps, const BcjrLaunch& a,
                                            int tile, int t) {
  const int lane = threadIdx.x & 31;
  PostAcc<V, kTangent> p = lane < nwarps ? part[lane] : post_empty<V, kTangent>();
  post_warp_merge(p, nwarps);
  if (threadIdx.x != 0) return;
  const float inv = 1.f / p.den;
  const size_t o = size_t(tile) * a.d.n + size_t(t) * V;
#pragma unroll
  for (int v = 0; v < V; ++v) {
    a.codeword[o + v] = p.num[v] * inv;
    if constexpr (kTangent) {
      if (a.grad) a.grad[o + v] = (2.f / a.T) * (p.sgc[v] * inv - (p.sg * inv) * (p.sc[v] * inv));
    }
  }
}

// kFuse (backward only): besides the messages, each step's state posterior
// log2 P_t(s) = val(s) + M_t[s >> kV] - log2 Z, val(s) = l_t(s) + B_t[s & (G-1)] being the term the
// sweep exponentiates anyway and M_t (msg_f slot t) one value per output group, so the codeword
// and (tangent) the VJP come at no extra exp per state. A last posterior-only iteration covers
// t = 0. Per-warp partials are written before the barrier the next step needs anyway and reduced
// one step late, as the normaliser is.
// kLean (variants 1 and 2, fused backward sweeps only) and kRepLut (variant 2, hyb only): see
// bcjr_sweep.cuh; they change where values are kept and read, not what is computed.
// The body is shared by two entry points that differ only in their launch bounds (below).
template <int L_, int KV_, int V, CodeKind K, bool kForward, bool kTangent, bool kFuse, bool kLean, bool kRepLut>
__device__ __forceinline__ void bcjr_sweep(const BcjrLaunch& a) {
  static_assert(!(kForward && kFuse), "the posterior is fused into the backward sweep");
  static_assert(!kLean || kFuse, "the lean variant is a fused backward sweep");
  static_assert(!kRepLut || K == CodeKind::Hyb, "only hyb has a LUT to replicate");
  const KernelShape<L_, KV_> sh(a.d);
  const int kv = sh.kv, G = sh.G, S = sh.S, N = sh.N, n = sh.n;
  const int tile = blockIdx.x;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  using Acc = PostAcc<V, kTangent>;

  __shared__ float2 lut_s[K == CodeKind::Hyb && !kRepLut ? kHybLutEntries : 1];
  __shared__ float part[2][32];
  __shared__ float scratch[32];
  __shared__ Acc post_part[2][kFuse ? kSweepMaxThreads / 32 : 1];
  BCJR_DYNAMIC_SHARED(float2, lut_rep);  // kRepLut: kHybLutReplicatedBytes
  const float2* lut = kRepLut ? lut_rep + (threadIdx.x & (kHybLutCopies - 1)) : lut_s;
  auto code = [&](uint32_t s, float (&c)[V]) {
    code_at<V, K, kRepLut ? kHybLutCopies : 1>(s, lut, a.code.table, c);
  };

  const size_t per_tile = size_t(N + 1) * G;
  float* msg = (kForward ? a.msg_f : a.msg_b) + tile * per_tile;
  float* tan = kTangent ? (kForward ? a.tan_f : a.tan_b) + tile * per_tile : nullptr;
  const float* fmsg = kFuse ? a.msg_f + tile * per_tile : nullptr;
  const float* ftan = kFuse && kTangent ? a.tan_f + tile * per_tile : nullptr;
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
  if constexpr (kRepLut) {
    load_code_lut_replicated(a.code, lut_rep);  // ends with a barrier
  } else {
    load_code_lut<K>(a.code, lut_s);  // ends with a barrier
  }

  double log2_norm = 0.0;
  float norm = 0.f;  // max of the input slot: 0 for the boundary slot
  const int iters = kForward || kFuse ? N : N - 1;
  for (int i = 0; i < iters; ++i) {
    const int t = kForward ? i : N - 1 - i;  // the step whose local energies enter
    const int out_slot = kForward ? t + 1 : t - 1;  // -1: the posterior-only step t = 0
    if (i > 0) {
      __syncthreads();  // the previous step's messages and partials are complete
      norm = reduce_partials(part[(i - 1) & 1], nwarps, MaxOp());
      log2_norm += norm;
      if constexpr (kFuse) post_finish(post_part[(i - 1) & 1], nwarps, a, tile, t + 1);
    }
    const float* m_in = msg + size_t(t) * G;
    float* m_out = msg + size_t(out_slot < 0 ? 0 : out_slot) * G;
    const float* t_in = kTangent ? tan + size_t(t) * G : nullptr;
    float* t_out = kTangent ? tan + size_t(out_slot < 0 ? 0 : out_slot) * G : nullptr;
    const float tref = kTangent ? t_in[0] : 0.f;
    float wt[V], gt[V];
#pragma unroll
    for (int v = 0; v < V; ++v) {
      wt[v] = __ldg(w + t * V + v);
      gt[v] = kTangent ? __ldg(g + t * V + v) : 0.f;
    }

    Acc acc = post_empty<V, kTangent>();
    float local_max = MaxOp::identity();
    for (int y = threadIdx.x; y < G; y += blockDim.x) {
      // Member p of group y: its log-weight, c(s), and (tangent) <g_t, c(s)> + tangent of its input group.
      auto term = [&](int p, float& hv, float (&c)[V]) -> float {
        const uint32_t s = kForward ? uint32_t(p) * uint32_t(G) + uint32_t(y) : uint32_t(y) * uint32_t(S) + uint32_t(p);
        const uint32_t x = kForward ? s >> kv : s & uint32_t(G - 1);
        code(s, c);
        if constexpr (kTangent) hv = dot(gt, c) + t_in[x];
        return fmaf(-scale, sq_dist(c, wt), m_in[x]);
      };
      // Fused: the group's best member (smallest u among ties) and the sums around it.
      int ub = 0;
      float hb = 0.f, cb[V], num[V], sc[V], sgc[V];
#pragma unroll
      for (int v = 0; v < V; ++v) cb[v] = num[v] = sc[v] = sgc[v] = 0.f;
      auto keep_best = [&](int p, float hv, const float (&c)[V]) {
        if constexpr (kFuse) {
          ub = p;
          hb = hv;
#pragma unroll
          for (int v = 0; v < V; ++v) cb[v] = c[v];
        }
      };
      // One member's share of the exp pass: the message sums and, fused, the posterior moments.
      float sum = 0.f, hs = 0.f;
      auto accumulate = [&](float e, float hv, const float (&c)[V]) {
        sum += e;
        if constexpr (kFuse) {
#pragma unroll
          for (int v = 0; v < V; ++v) num[v] = fmaf(e, c[v], num[v]);
          if constexpr (kTangent) {
            const float eg = e * (hv - hb);
            hs += eg;
#pragma unroll
            for (int v = 0; v < V; ++v) {
              sc[v] = fmaf(e, c[v] - cb[v], sc[v]);
              sgc[v] = fmaf(eg, c[v] - cb[v], sgc[v]);
            }
          }
        } else if constexpr (kTangent) {
          hs = fmaf(e, hv, hs);
        }
      };
      constexpr int kC = group_cache<KV_>();
      float mx = MaxOp::identity();
      if constexpr (kLean) {
        // Nothing per member lives from the max pass to the exp pass (the default keeps 2^kV
        // log-weights, and codes or tangents: 32 to 48 registers at kV = 4): both passes recompute
        // the member's code and log-weight, the exp pass its tangent, from B_t (and K_t) read W at a
        // time. The same operations as the default's, so the same values; the price is the
        // recomputed distance (3 FP ops per member) and the B_t reloads from L1, for two blocks per SM.
        constexpr int kW = lean_run<L_, KV_>();
        const uint32_t s0 = uint32_t(y) * uint32_t(S), gmask = uint32_t(G - 1);
        auto log_weight = [&](int p, float m, float (&c)[V]) {
          code(s0 + uint32_t(p), c);
          return fmaf(-scale, sq_dist(c, wt), m);
        };
#pragma unroll 1
        for (int p0 = 0; p0 < S; p0 += kW) {
          float m[kW];
          load_run<kW>(m_in, (s0 + uint32_t(p0)) & gmask, m);
#pragma unroll
          for (int j = 0; j < kW; ++j) {
            float c[V];
            const float v = log_weight(p0 + j, m[j], c);
            if (v > mx) {
              mx = v;
              ub = p0 + j;
            }
          }
        }
        if constexpr (kTangent) {  // the moments are formed around the best member (ub is set)
          float c[V];
          code(s0 + uint32_t(ub), c);
          keep_best(ub, dot(gt, c) + t_in[(s0 + uint32_t(ub)) & gmask], c);
        }
#pragma unroll 1
        for (int p0 = 0; p0 < S; p0 += kW) {
          float m[kW], h[kW] = {};
          load_run<kW>(m_in, (s0 + uint32_t(p0)) & gmask, m);
          if constexpr (kTangent) load_run<kW>(t_in, (s0 + uint32_t(p0)) & gmask, h);
#pragma unroll
          for (int j = 0; j < kW; ++j) {
            float c[V];
            const float v = log_weight(p0 + j, m[j], c);
            accumulate(fast_exp2(v - mx), kTangent ? dot(gt, c) + h[j] : 0.f, c);
          }
        }
      } else if constexpr (kC > 0) {
        // Fused, the exp pass needs c(s) again: kept in registers without tangents (the kernel is at
        // one block per SM either way), recomputed with them (it is at the 128-register cap).
        constexpr bool kKeepCode = kFuse && !kTangent;
        float val[kC], hv[kC], kept[kKeepCode ? kC : 1][V];
#pragma unroll
        for (int p = 0; p < kC; ++p) {
          float c[V];
          val[p] = term(p, hv[p], c);
          if constexpr (kKeepCode) {
#pragma unroll
            for (int v = 0; v < V; ++v) kept[p][v] = c[v];
          }
          if (val[p] > mx) {
            mx = val[p];
            keep_best(p, hv[p], c);
          }
        }
#pragma unroll
        for (int p = 0; p < kC; ++p) {
          float c[V] = {};
          if constexpr (kKeepCode) {
#pragma unroll
            for (int v = 0; v < V; ++v) c[v] = kept[p][v];
          } else if constexpr (kFuse) {
            code(uint32_t(y) * uint32_t(S) + uint32_t(p), c);
          }
          accumulate(fast_exp2(val[p] - mx), hv[p], c);
        }
      } else {
        float hv = 0.f, c[V];
        for (int p = 0; p < S; ++p) {
          const float v = term(p, hv, c);
          if (v > mx) {
            mx = v;
            keep_best(p, hv, c);
          }
        }
        for (int p = 0; p < S; ++p) {
          const float v = term(p, hv, c);
          accumulate(fast_exp2(v - mx), hv, c);
        }
      }
      const float out = mx + fast_log2(sum) - norm;
      local_max = fmaxf(local_max, out);
      if (out_slot >= 0) {
        m_out[y] = out;
        // Fused, hs is sum e (hv - hb): the same group mean, around the best member.
        if constexpr (kTangent) t_out[y] = (kFuse ? hb + hs / sum : hs / sum) - tref;
      }
      if constexpr (kFuse) {
        Acc grp = post_empty<V, kTangent>();
        grp.R = mx + fmsg[size_t(t) * G + y];
        grp.ref = y * S + ub;
        grp.den = sum;
#pragma unroll
        for (int v = 0; v < V; ++v) grp.num[v] = num[v];
        if constexpr (kTangent) {
          grp.g = ftan[size_t(t) * G + y] + hb;
          grp.sg = hs;
#pragma unroll
          for (int v = 0; v < V; ++v) {
            grp.c[v] = cb[v];
            grp.sc[v] = sc[v];
            grp.sgc[v] = sgc[v];
          }
        }
        post_merge(acc, grp);
      }
    }
    local_max = warp_reduce(local_max, MaxOp());
    if (lane == 0) part[i & 1][warp] = local_max;
    if constexpr (kFuse) {
      post_warp_merge(acc);
      if (lane == 0) post_part[i & 1][warp] = acc;
    }
  }

  if constexpr (kFuse) {
    __syncthreads();
    post_finish(post_part[(iters - 1) & 1], nwarps, a, tile, 0);
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

// __launch_bounds__(512) alone lets ptxas pick registers by its own heuristic (the figures in
// docs/PERF.md); an explicit minimum of one block per SM makes it use up to its cap of 128 instead,
// so the other sweeps keep the one-argument form and only the lean fused sweeps ask for two blocks.
template <int L_, int KV_, int V, CodeKind K, bool kForward, bool kTangent, bool kFuse = false, bool kRepLut = false>
__global__ void __launch_bounds__(kSweepMaxThreads) bcjr_sweep_kernel(BcjrLaunch a) {
  bcjr_sweep<L_, KV_, V, K, kForward, kTangent, kFuse, false, kRepLut>(a);
}

template <int L_, int KV_, int V, CodeKind K, bool kTangent, bool kRepLut>
__global__ void __launch_bounds__(kSweepMaxThreads, 2) bcjr_lean_fused_sweep_kernel(BcjrLaunch a) {
  bcjr_sweep<L_, KV_, V, K, false, kTangent, true, true, kRepLut>(a);
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
  BCJR_DYNAMIC_SHARED(float, sym_s);  // [blockDim] when symbol marginals are asked for

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
  load_code_lut<K>(a.code, lut_s);

  const uint32_t states = 1u << L;
  // Pass 1: the max log-weight, and (VJP) G and c at each thread's best state. The covariance is
  // formed around the most probable state's (G, c): near T -> 0 or with few paths, E[Gc] - E[G]E[c]
  // in fp32 would cancel to noise; around a reference on the dominant path it does not.
  float mx = MaxOp::identity(), best_g = 0.f, best_c[V];
  uint32_t best_s = states;  // strict > over increasing s: the smallest index among the thread's maxima
#pragma unroll
  for (int v = 0; v < V; ++v) best_c[v] = 0.f;
  for (uint32_t s = threadIdx.x; s < states; s += blockDim.x) {
    float c[V];
    code_at<V, K>(s, lut_s, a.code.table, c);
    const float f = fmaf(-scale, sq_dist(c, wt), __ldg(mf + (s >> kv)) + __ldg(mb + (s & (G - 1))));
    if (f > mx) {
      mx = f;
      best_s = s;
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
    // Exact ties are frequent (t = 0 and N-1, where one message side is constant, and repeated hyb
    // codewords). Any of them is an equally good reference, but a race between them would change
    // the last bits of the gradient from run to run: the smallest state index among the maxima
    // wins (as a float, exact for indices below 2^24).
    const float mine = local_mx == mx ? float(best_s) : MinOp::identity();
    const float ref_index = block_reduce(mine, scratch, MinOp());
    if (mine == ref_index) {
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
  // sym: this thread's share of symbol tid & (S-1), the only symbol its states carry (blockDim is a
  // multiple of S); summed in a fixed order below, so that no float atomics make it order-dependent.
  float den = 0.f, num[V], sg = 0.f, sc[V], sgc[V], sym = 0.f;
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
    sym += e;
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
    sym_s[threadIdx.x] = sym;
    __syncthreads();
    if (int(threadIdx.x) < S) {
      float acc = 0.f;
      for (int j = threadIdx.x; j < int(blockDim.x); j += S) acc += sym_s[j];
      a.symbols[(size_t(tile) * N + t) * S + threadIdx.x] = acc * inv;
    }
  }
}

}  // namespace bcjr_detail

namespace bcjr_detail {

// Lifts the 48 KB default limit on dynamic shared memory for a kernel that needs more (the
// replicated LUT); the emulation has no such limit.
template <class Kernel>
void allow_dynamic_shared(Kernel* kernel, size_t bytes) {
#ifdef BCJR_KERNEL_EMULATION
  (void)kernel;
  (void)bytes;
#else
  if (bytes > 48 * 1024)
    BCJR_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
#endif
}

// A sweep of the launch `a` (one block per tile) with `smem` bytes of dynamic shared memory.
#define BCJR_LAUNCH_SWEEP(kernel, smem, name)                               \
  do {                                                                      \
    auto* bcjr_sweep_ptr_ = kernel;                                         \
    allow_dynamic_shared(bcjr_sweep_ptr_, smem);                            \
    BCJR_LAUNCH(bcjr_sweep_ptr_, a.tiles, threads, smem, a.stream, a);      \
    BCJR_CUDA_CHECK_LAUNCH(name);                                           \
  } while (0)

// The passes of one BCJR call, with (kTangent: the VJP's) or without tangents: the forward sweep,
// then either the backward sweep with the posterior fused into it (the lean one with kLean) or the
// plain backward sweep followed by the separate posterior kernel.
template <int L, int KV, int V, CodeKind K, bool kTangent, bool kLean, bool kRep>
void launch_bcjr_passes(const BcjrLaunch& a, int threads, size_t lut_bytes, bool fused, unsigned post_blocks,
                        size_t sym_bytes) {
  BCJR_LAUNCH_SWEEP((bcjr_sweep_kernel<L, KV, V, K, true, kTangent, false, kRep>), lut_bytes,
                    kTangent ? "bcjr forward sweep (tangent)" : "bcjr forward sweep");
  if (fused) {
    if constexpr (kLean) {
      BCJR_LAUNCH_SWEEP((bcjr_lean_fused_sweep_kernel<L, KV, V, K, kTangent, kRep>), lut_bytes,
                        kTangent ? "bcjr backward sweep with posterior (vjp, lean)"
                                 : "bcjr backward sweep with posterior (lean)");
    } else {
      BCJR_LAUNCH_SWEEP((bcjr_sweep_kernel<L, KV, V, K, false, kTangent, true, kRep>), lut_bytes,
                        kTangent ? "bcjr backward sweep with posterior (vjp)" : "bcjr backward sweep with posterior");
    }
    return;
  }
  BCJR_LAUNCH_SWEEP((bcjr_sweep_kernel<L, KV, V, K, false, kTangent, false, kRep>), lut_bytes,
                    kTangent ? "bcjr backward sweep (tangent)" : "bcjr backward sweep");
  BCJR_LAUNCH((bcjr_posterior_kernel<L, KV, V, K, kTangent>), post_blocks, kPosteriorThreads, sym_bytes, a.stream, a);
  BCJR_CUDA_CHECK_LAUNCH(kTangent ? "bcjr posterior (vjp)" : "bcjr posterior");
}

// kVariant: see bcjr_sweep.cuh. Each kernel is instantiated with only the flags that change it,
// so variant 1 shares all but the two fused backward kernels with variant 0, and variant 2 of a
// table code is variant 1.
template <int L, int KV, int V, CodeKind K, int kVariant>
void launch_bcjr_variant(const BcjrLaunch& a) {
  constexpr bool kLean = kVariant >= 1;
  constexpr bool kRep = kVariant == 2 && K == CodeKind::Hyb;
  const size_t lut_bytes = kRep ? kHybLutReplicatedBytes : 0;
  const int G = 1 << (a.d.L - a.d.kv);
  const int threads = std::min(std::max(G, 32), kSweepMaxThreads);
  static_assert(kPosteriorThreads >= 256, "the posterior's symbol sums need blockDim >= 2^kV (kV <= 8)");
  const size_t sym_bytes = a.symbols ? sizeof(float) * kPosteriorThreads : 0;
  const unsigned post_blocks = unsigned(a.tiles) * unsigned(a.d.N);
  // Symbol marginals (the GUI's) come only from the separate posterior kernel, which is also the
  // reference the fused backward sweep is tested against.
  const bool fused = !a.symbols && !a.posterior_kernel;
  if (a.g) launch_bcjr_passes<L, KV, V, K, true, kLean, kRep>(a, threads, lut_bytes, fused, post_blocks, sym_bytes);
  else launch_bcjr_passes<L, KV, V, K, false, kLean, kRep>(a, threads, lut_bytes, fused, post_blocks, sym_bytes);
}
#undef BCJR_LAUNCH_SWEEP

}  // namespace bcjr_detail

template <int L, int KV, int V, CodeKind K>
void launch_bcjr_tpl(const BcjrLaunch& a) {
  using namespace bcjr_detail;
  if (a.tiles <= 0) return;
  static_assert(kBcjrVariants == 3, "one case per variant");
  switch (a.variant) {
    case 0:
      return launch_bcjr_variant<L, KV, V, K, 0>(a);
    case 1:
      return launch_bcjr_variant<L, KV, V, K, 1>(a);
    default:  // launch_bcjr has checked the range
      return launch_bcjr_variant<L, KV, V, K, 2>(a);
  }
}

}  // namespace bcjr::kernels
