// The transfer matrix of one step of a SpinChain: M_t(p, s) = exp(-e_t(s) / T) if p -> s is a
// trellis edge, else 0 (2^kV non-zeros in each row and column). The partition function is a
// product of them (docs/PHYSICS.md): Z = tr(M_0 M_1 ... M_{N-1}) on a ring, and
// Z = 2^-kV 1^T M_0 M_1 ... M_{N-1} 1 with a free boundary.
#pragma once

#include <vector>

#include "engine/physics/spin_chain.h"

namespace bcjr::physics {

// Stored scaled, so that it neither under- nor overflows at small T: M_t = exp(log_scale) * entries,
// with the largest entry 1.
struct TransferMatrix {
  int step = 0, states = 0;
  double T = 0;
  double log_scale = 0;          // -min_s e_t(s) / T
  std::vector<double> entries;   // [states * states], row p (from s_{t-1}), column s (to s_t)

  double entry(int p, int s) const { return entries[size_t(p) * states + s]; }
};

TransferMatrix transfer_matrix(const SpinChain& chain, int step, double T);

}  // namespace bcjr::physics
