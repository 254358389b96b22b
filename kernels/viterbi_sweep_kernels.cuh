// The Viterbi sweep as a template over (L, kV, V, code), included only by kernels/inst/*.cu.
// D_t(s) = ||c(s) - w_t||^2 + C_t[s >> kV], C_{t+1}[y] = min_p D_t(p*G + y), choice = argmin p
// (the smallest p on ties, as the CPU reference). Costs are shifted each step by the previous
// step's minimum so that fp32 keeps its precision over long tiles.
#pragma once

#include <algorithm>

#include "kernels/cuda_check.cuh"
#include "kernels/trellis_device.cuh"
#include "kernels/viterbi_sweep.cuh"

namespace bcjr::kernels {
namespace viterbi_detail {

constexpr int kViterbiMaxThreads = 512;

template <int L_, int KV_, int V, CodeKind K>
__global__ void __launch_bounds__(kViterbiMaxThreads) viterbi_sweep_kernel(ViterbiLaunch a) {
  const KernelShape<L_, KV_> sh(a.d);
  const int kv = sh.kv, G = sh.G, S = sh.S, N = sh.N, n = sh.n;
  const int tile = blockIdx.x;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;

  __shared__ float2 lut_s[K == CodeKind::Hyb ? kHybLutEntries : 1];
  __shared__ float part[2][32];
  __shared__ float scratch_v[32];
  __shared__ int scratch_i[32];

  float* cost = a.cost + size_t(tile) * 2 * G;
  uint8_t* choice = a.choice + size_t(tile) * N * G;
  const float* w = a.w + size_t(tile) * n;
  const int ov = a.overlap ? a.overlap[tile] : -1;

  for (int y = threadIdx.x; y < G; y += blockDim.x) cost[y] = (ov < 0 || y == ov) ? 0.f : kCostInf;
  load_code_lut<K>(a.code, lut_s);

  float norm = 0.f;
  for (int t = 0; t < N; ++t) {
    if (t > 0) {
      __syncthreads();
      norm = reduce_partials(part[(t - 1) & 1], nwarps, MinOp());
    }
    const float* c_in = cost + (t & 1) * G;
    float* c_out = cost + ((t + 1) & 1) * G;
    float wt[V];
#pragma unroll
    for (int v = 0; v < V; ++v) wt[v] = __ldg(w + t * V + v);
    float local_min = MinOp::identity();
    for (int y = threadIdx.x; y < G; y += blockDim.x) {
      float best = 3.0e38f;
      int arg = 0;
      auto consider = [&](int p) {
        const uint32_t s = uint32_t(p) * uint32_t(G) + uint32_t(y);
        float c[V];
        code_at<V, K>(s, lut_s, a.code.table, c);
        const float d = sq_dist(c, wt) + c_in[s >> kv];
        if (d < best) {
          best = d;
          arg = p;
        }
      };
      if constexpr (KV_ > 0) {
#pragma unroll
        for (int p = 0; p < (1 << KV_); ++p) consider(p);
      } else {
        for (int p = 0; p < S; ++p) consider(p);
      }
      const float out = best - norm;
      c_out[y] = out;
      choice[size_t(t) * G + y] = uint8_t(arg);
      local_min = fminf(local_min, out);
    }
    local_min = warp_reduce(local_min, MinOp());
    if (lane == 0) part[t & 1][warp] = local_min;
  }
  __syncthreads();

  // The end group: the overlap when tail-biting, else the cheapest end state, the smallest state
  // index on ties as the CPU reference (hyb emits equal codewords from different states, so
  // exact ties do occur).
  if (ov >= 0) {
    if (threadIdx.x == 0) a.best_group[tile] = ov;
    return;
  }
  const float* c_last = cost + (N & 1) * G;
  const uint8_t* last_choice = choice + size_t(N - 1) * G;
  float bv = 3.0e38f;
  int bi = 0x7fffffff;
  for (int y = threadIdx.x; y < G; y += blockDim.x) {
    const float v = c_last[y];
    const int s = int(last_choice[y]) * G + y;
    if (v < bv || (v == bv && s < bi)) {
      bv = v;
      bi = s;
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float ov2 = __shfl_xor_sync(0xffffffffu, bv, o);
    const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
    if (ov2 < bv || (ov2 == bv && oi < bi)) {
      bv = ov2;
      bi = oi;
    }
  }
  if (lane == 0) {
    scratch_v[warp] = bv;
    scratch_i[warp] = bi;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int i = 1; i < nwarps; ++i)
      if (scratch_v[i] < bv || (scratch_v[i] == bv && scratch_i[i] < bi)) {
        bv = scratch_v[i];
        bi = scratch_i[i];
      }
    a.best_group[tile] = bi & (G - 1);
  }
}

}  // namespace viterbi_detail

template <int L, int KV, int V, CodeKind K>
void launch_viterbi_tpl(const ViterbiLaunch& a) {
  if (a.tiles <= 0) return;
  const int G = 1 << (a.d.L - a.d.kv);
  const int threads = std::min(std::max(G, 32), viterbi_detail::kViterbiMaxThreads);
  BCJR_LAUNCH((viterbi_detail::viterbi_sweep_kernel<L, KV, V, K>), a.tiles, threads, 0, a.stream, a);
  BCJR_CUDA_CHECK_LAUNCH("viterbi sweep");
}

}  // namespace bcjr::kernels
