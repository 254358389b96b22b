// Device-side pieces every trellis kernel shares: the trellis shape, the codebook lookup (hyb from
// its 512x2 LUT in shared memory plus the state's hash; any other code from its [2^L, V] table in
// global memory, which stays in L2), base-2 exp/log, and warp/block reductions.
#pragma once

#include "kernels/cuda_compat.h"

#include <cstddef>
#include <cstdint>

#include "kernels/trellis_types.h"

namespace bcjr::kernels {

constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ float fast_exp2(float x) {
#ifdef BCJR_KERNEL_EMULATION
  return std::exp2(x);
#else
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
#endif
}
__device__ __forceinline__ float fast_log2(float x) {
#ifdef BCJR_KERNEL_EMULATION
  return std::log2(x);
#else
  float y;
  asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
#endif
}

// The trellis constants a kernel works with: compile-time where the instantiation fixes L and kV
// (L_ = KV_ = 0 is the generic path, which reads them from the launch).
template <int L_, int KV_>
struct KernelShape {
  int L, kv, G, S, N, n;
  __device__ __forceinline__ explicit KernelShape(const TrellisDims& d)
      : L(L_ > 0 ? L_ : d.L), kv(KV_ > 0 ? KV_ : d.kv), G(1 << (L - kv)), S(1 << kv), N(d.N), n(d.n) {}
};

// c(s) for a code known at compile time. lut_s: the hyb LUT as 512 float2 (shared or global);
// kLutStride = kHybLutCopies reads a replicated LUT (load_code_lut_replicated) at the lane's copy.
template <int V, CodeKind K, int kLutStride = 1>
__device__ __forceinline__ void code_at(uint32_t s, const float2* __restrict__ lut_s,
                                        const float* __restrict__ table, float (&c)[V]) {
  if constexpr (K == CodeKind::Hyb) {
    static_assert(V == 2, "hyb emits V = 2 weights per step");
    const uint32_t x = s * (s + 1u);
    const float2 ab = lut_s[((x >> (15 - 9)) & (kHybLutEntries - 1)) * kLutStride];
    // QTIP's convention: bit 15 of the hash negates the first component (a sign-bit flip).
    c[0] = __int_as_float(__float_as_int(ab.x) ^ int((x & 0x8000u) << 16));
    c[1] = ab.y;
  } else if constexpr (V == 2) {
    const float2 ab = __ldg(reinterpret_cast<const float2*>(table) + s);
    c[0] = ab.x;
    c[1] = ab.y;
  } else {
    c[0] = __ldg(table + s);
  }
}

template <int V>
__device__ __forceinline__ float sq_dist(const float (&c)[V], const float (&w)[V]) {
  float e = 0.f;
#pragma unroll
  for (int v = 0; v < V; ++v) {
    const float d = c[v] - w[v];
    e = fmaf(d, d, e);
  }
  return e;
}

template <int V>
__device__ __forceinline__ float dot(const float (&a)[V], const float (&b)[V]) {
  float e = 0.f;
#pragma unroll
  for (int v = 0; v < V; ++v) e = fmaf(a[v], b[v], e);
  return e;
}

// The hyb LUT into shared memory (every thread of the block takes part; ends with a barrier).
template <CodeKind K>
__device__ __forceinline__ void load_code_lut(const CodeRef& code, float2* lut_s) {
  if constexpr (K == CodeKind::Hyb) {
    const float2* src = reinterpret_cast<const float2*>(code.lut);
    for (int i = threadIdx.x; i < kHybLutEntries; i += blockDim.x) lut_s[i] = src[i];
  }
  __syncthreads();
}

// The hyb LUT replicated kHybLutCopies times, entry e of copy j at e * kHybLutCopies + j (64 KB of
// dynamic shared memory). Lane l reads copy l % 16 through lut_s + (threadIdx.x & 15) with
// kLutStride = kHybLutCopies: its 64-bit loads then always hit bank pair l % 16, so the 16 lanes of
// each half-warp (one shared-memory wavefront of 8-byte accesses) never conflict, whatever their
// random entries. Every thread of the block takes part; ends with a barrier.
constexpr int kHybLutCopies = 16;
constexpr size_t kHybLutReplicatedBytes = sizeof(float2) * kHybLutEntries * kHybLutCopies;

__device__ __forceinline__ void load_code_lut_replicated(const CodeRef& code, float2* lut_rep) {
  const float2* src = reinterpret_cast<const float2*>(code.lut);
  for (int i = threadIdx.x; i < kHybLutEntries * kHybLutCopies; i += blockDim.x) lut_rep[i] = src[i / kHybLutCopies];
  __syncthreads();
}

struct MaxOp {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
  static constexpr float identity() { return -3.0e38f; }
};
struct MinOp {
  __device__ float operator()(float a, float b) const { return fminf(a, b); }
  static constexpr float identity() { return 3.0e38f; }
};
struct SumOp {
  __device__ float operator()(float a, float b) const { return a + b; }
  static constexpr float identity() { return 0.f; }
};

template <class Op>
__device__ __forceinline__ float warp_reduce(float v, Op op) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Reduces the per-warp partials part[0..nwarps) within each warp (every lane gets the result).
// Used for the per-step normaliser one step late: the partials were written before the barrier
// that every step needs anyway, so the normaliser costs no extra barrier.
template <class Op>
__device__ __forceinline__ float reduce_partials(const float* part, int nwarps, Op op) {
  const int lane = threadIdx.x & 31;
  return warp_reduce(lane < nwarps ? part[lane] : Op::identity(), op);
}

// Block-wide reduction; every thread gets the result. scratch: 32 floats of shared memory.
// blockDim.x must be a multiple of 32.
template <class Op>
__device__ __forceinline__ float block_reduce(float v, float* scratch, Op op) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  v = warp_reduce(v, op);
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  return reduce_partials(scratch, nwarps, op);
}

}  // namespace bcjr::kernels
