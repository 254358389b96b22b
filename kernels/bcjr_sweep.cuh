// BCJR forward-backward on the GPU over a batch of tiles, raw pointers on a stream: the forward
// and backward log-sum-exp sweeps (optionally carrying the VJP's expectation tangents); the
// backward sweep also reduces each step's posterior to the soft codeword and the gradient, and a
// separate per-step posterior kernel serves the symbol marginals.
//
// Store vs recompute (docs/PERF.md has the figures): a sweep keeps, per tile and step, only the
// 2^(L-kV) group values (one per predecessor or successor group), not the 2^L state messages:
// 2 MB per tile and direction at L=16, kV=4, n=256, written once and read once, ~0.25 byte per
// state-step against one exp2 per state-step. Storing them beats checkpointing plus recompute
// (which would add a sweep's worth of exps); local energies are always recomputed from the code.
#pragma once

#include "kernels/cuda_compat.h"

#include <cstdint>

#include "kernels/trellis_types.h"

namespace bcjr::kernels {

// The sweeps come in three variants that compute the same quantities with the same floating-point
// operations in the same order, so their results agree bit for bit (tests/kernels_emulated checks
// that and determinism; tests/gpu and bench/bcjr_layer compare them on the GPU). They differ in where
// values are kept and read, and so in speed (docs/PERF.md measures all three in one run). The host
// launcher (trellis_host.cpp) takes the variant from BCJR_CUDA_BCJR_VARIANT (unset or empty: the
// default, 2).
//   0  the first design: the fused backward sweeps keep each group's 2^kV log-weights and codes or
//      tangents in registers between the max pass and the exp pass (91 and 128 registers at L16
//      kV4: one 512-thread block per SM).
//   1  the fused backward sweeps (the forward pass's and the VJP's) keep no per-member values
//      between their max pass and their exp pass: they recompute each member's code, log-weight
//      and (VJP) tangent, read a group's 2^kV consecutive B_t (and K_t) values as float4, and are
//      compiled for two 512-thread blocks per SM (__launch_bounds__(512, 2), at most 64
//      registers) instead of one.
//   2  variant 1, and every sweep (forward and backward, with or without tangents) reads the hyb
//      LUT from 16 copies in shared memory, one per lane of a half-warp, so that its random 64-bit
//      loads are free of bank conflicts (64 KB of dynamic shared memory per block). Other codes: as
//      1. The default: measured fastest (H200, 2026-12-01: a layer's forward + VJP in 13.1 s, against
//      14.7 s for 1 and 21.3 s for 0).
constexpr int kBcjrVariants = 3;
constexpr int kDefaultBcjrVariant = 2;

struct BcjrLaunch {
  TrellisDims d;
  CodeRef code;
  int tiles;                 // in this batch
  float T;                   // temperature (weights' units)
  const float* w;            // [tiles, n]
  const float* g;            // [tiles, n] upstream gradient, or null (no VJP)
  const int32_t* overlap;    // [tiles] tail-biting overlap per tile, or null (free boundary)
  // Workspace, each [tiles, N+1, 2^(L-kV)] floats: forward and backward group log-sums (log2
  // units), and with g the forward and backward group tangents.
  float* msg_f;
  float* msg_b;
  float* tan_f;
  float* tan_b;
  // Outputs (any may be null except codeword and log2z).
  double* log2z;             // [tiles] log2 Z
  float* codeword;           // [tiles, n]
  float* grad;               // [tiles, n] (needs g)
  float* symbols;            // [tiles, N, 2^kV]
  // Without symbols the posterior is fused into the backward sweep; true runs the separate
  // posterior kernel anyway (the slow, obviously right path the fused one is tested against).
  bool posterior_kernel;
  int variant = kDefaultBcjrVariant;  // 0..kBcjrVariants-1, see above
  cudaStream_t stream;
};

// BCJR_CUDA_BCJR_VARIANT as a variant number (unset or empty: kDefaultBcjrVariant); throws
// std::runtime_error naming the variable for anything but 0..kBcjrVariants-1.
int bcjr_variant_from_env();

// Floats of workspace per tile for each of msg_f, msg_b, tan_f, tan_b.
inline int64_t bcjr_workspace_floats(const TrellisDims& d) {
  return int64_t(d.N + 1) << (d.L - d.kv);
}

// Runs the forward sweep and the backward sweep with the posterior fused in (or, with symbols or
// posterior_kernel, a plain backward sweep and the posterior kernel); throws std::runtime_error on a CUDA error.
void launch_bcjr(const BcjrLaunch& a);

// One instantiation per (L, kV, V, code); L = KV = 0 is the generic path. Defined in
// bcjr_sweep_kernels.cuh, instantiated in kernels/inst/*.cu.
template <int L, int KV, int V, CodeKind K>
void launch_bcjr_tpl(const BcjrLaunch& a);

}  // namespace bcjr::kernels
