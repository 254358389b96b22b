// Viterbi (minimum-energy path) on the GPU over a batch of tiles, raw pointers on a stream: a
// min-plus sweep per tile that keeps only 2^(L-kV) group costs and writes one back-pointer byte
// (the best predecessor block, < 2^kV <= 256) per group and step, then a traceback with one
// thread per tile that also recomputes the path's energy in double.
#pragma once

#include "kernels/cuda_compat.h"

#include <cstdint>

#include "kernels/trellis_types.h"

namespace bcjr::kernels {

struct ViterbiLaunch {
  TrellisDims d;
  CodeRef code;
  int tiles;
  const float* w;          // [tiles, n]
  const int32_t* overlap;  // [tiles] or null (free boundary)
  float* cost;             // workspace [tiles, 2, 2^(L-kV)]
  uint8_t* choice;         // workspace [tiles, N, 2^(L-kV)]
  int32_t* best_group;     // workspace [tiles]
  int32_t* states;         // out [tiles, N]
  double* energy;          // out [tiles]
  cudaStream_t stream;
};

inline int64_t viterbi_cost_floats(const TrellisDims& d) { return int64_t(2) << (d.L - d.kv); }
inline int64_t viterbi_choice_bytes(const TrellisDims& d) { return int64_t(d.N) << (d.L - d.kv); }

void launch_viterbi(const ViterbiLaunch& a);

template <int L, int KV, int V, CodeKind K>
void launch_viterbi_tpl(const ViterbiLaunch& a);

// The traceback (not specialised: one thread per tile, memory-latency bound).
void launch_viterbi_traceback(const ViterbiLaunch& a);

}  // namespace bcjr::kernels
