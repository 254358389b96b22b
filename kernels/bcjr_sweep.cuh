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
  cudaStream_t stream;
};

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
