// One tile at a time on the CPU, in raw float arrays: the Viterbi and BCJR recursions behind the
// batch primitives (trellis_primitives.h) and the GUI's tile posterior. A solver owns its
// workspace, so each worker thread makes one and reuses it for every tile of its chunk.
//
// Both recursions use the group structure: the predecessors of state s are g + j*G (g = s >> kV,
// G = 2^(L-kV), j < 2^kV), so a min or log-sum-exp over predecessors is a reduction over 2^kV
// contiguous blocks of G states; the successors of s are the 2^kV consecutive states starting at
// (s & (G-1)) << kV, so backward messages depend on s & (G-1) only and have G values.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis {

// The codebook as one array per component (structure of arrays, for vector loads).
struct CodeColumns {
  int V = 1;
  std::vector<float> c0, c1;  // c1 empty when V = 1
  explicit CodeColumns(const Codebook& cb);
};

// Trellis steps between two cancellation checks (check_cancel, engine/core/cancel.h) inside a
// sweep: about 2^20 state transitions of work, at least one step. A cancel waits at most that
// long on a worker, whatever L and kV.
int cancel_check_stride(const TrellisSpec& spec);

class ViterbiTileSolver {
 public:
  ViterbiTileSolver(const TrellisSpec& spec, const CodeColumns& code);
  // overlap < 0: free; else the tail-biting paths with that overlap. Writes N states and returns
  // the path's energy, recomputed in double.
  double solve(const float* w, int overlap, int32_t* states);

 private:
  TrellisSpec spec_;
  const CodeColumns& code_;
  std::vector<float> cost_, dist_, best_;
  std::vector<uint8_t> choice_;  // [N * G]: the best predecessor block j of each group and step
  int check_mask_;                // check_cancel() at steps t with (t & mask) == 0
};

struct SoftTileOutput {
  float* codeword = nullptr;        // [n], required
  float* symbol_marginals = nullptr;  // [N * 2^kV] or null
  const float* grad_in = nullptr;   // [n] upstream gradient, or null for no VJP
  float* grad_w = nullptr;          // [n], required with grad_in
  // Called per step (t from N-1 down to 0) with the unnormalised state posterior q [2^L] and
  // 1 / sum(q), for the tile posterior view; may be empty.
  std::function<void(int t, const float* q, float inv_sum)> on_step;
  double log_z = 0;                 // out
};

class BcjrTileSolver {
 public:
  BcjrTileSolver(const TrellisSpec& spec, const CodeColumns& code, double T);
  void solve(const float* w, int overlap, SoftTileOutput& out);

 private:
  void forward(const float* w, const float* g, int overlap, double& log_z);
  void backward(const float* w, const float* g, int overlap, SoftTileOutput& out);
  TrellisSpec spec_;
  const CodeColumns& code_;
  float inv_t_;
  double t_;
  // Forward storage, what the backward sweep needs: per step t < N-1 the group log-sums
  // m_t(g) = log sum_j exp(a_t(g + jG) - max a_t) and, for the VJP, the softmax-weighted means of
  // the forward tangents. [N-1][G] each: 2 MB at L=16, kV=4, n=256, instead of 32 MB for full
  // forward messages; the backward sweep recomputes the local terms, which is cheap.
  std::vector<float> group_lse_, group_tangent_;
  std::vector<float> a_, at_, p_, beta_, r_, q_, A_, bvec_, btan_, gsum_, gtan_, gfac_;
  int check_mask_;  // check_cancel() at steps t with (t & mask) == 0
};

// exp_fast evaluations per second on one thread, over a 64K-element array as the sweeps do it
// (compiled with the hot loops' flags): the floor the benchmark compares against.
double exp_fast_throughput(double seconds);

}  // namespace bcjr::trellis
