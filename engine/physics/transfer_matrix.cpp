#include "engine/physics/transfer_matrix.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

namespace bcjr::physics {

TransferMatrix transfer_matrix(const SpinChain& chain, int step, double T) {
  BCJR_CHECK(step >= 0 && step < chain.steps(), "transfer matrix: step ", step, " is outside 0..", chain.steps() - 1);
  BCJR_CHECK(T > 0 && std::isfinite(T), "transfer matrix: temperature T = ", T, " must be positive and finite");
  const int S = chain.states();
  TransferMatrix m;
  m.step = step;
  m.states = S;
  m.T = T;
  double e_min = chain.energy(step, 0);
  for (int s = 1; s < S; ++s) e_min = std::min(e_min, chain.energy(step, s));
  m.log_scale = -e_min / T;
  m.entries.assign(size_t(S) * S, 0.0);
  for (int p = 0; p < S; ++p)
    for (int u = 0; u < chain.symbols(); ++u) {
      const int s = chain.successor(p, u);
      m.entries[size_t(p) * S + s] = std::exp(-(chain.energy(step, s) - e_min) / T);
    }
  return m;
}

}  // namespace bcjr::physics
