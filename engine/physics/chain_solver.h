// Exact sums over every path of a small SpinChain at temperature T, in double precision and in the
// log domain (no under- or overflow from T = 1e-6 to 1e6): log Z, the mean and variance of the
// energy, and the posterior of states, edges, symbols and bits. A tail-biting ring is solved as
// the sum over its 2^(L-kV) overlaps of chains whose two ends are pinned to that overlap, which is
// the trace of the product of the transfer matrices grouped by the state at the cut.
#pragma once

#include <vector>

#include "engine/physics/spin_chain.h"

namespace bcjr::physics {

struct ChainMoments {
  double log_z = 0;            // log sum over legal paths of exp(-E/T)
  double mean_energy = 0;      // <E>
  double energy_variance = 0;  // <E^2> - <E>^2, accumulated as central moments (no cancellation)
  double entropy = 0;          // -sum P log P, accumulated by the chain rule (equals log Z + <E>/T)
};

// One forward sweep per overlap; the cheap call for curves over T. Throws for T <= 0 or not finite.
ChainMoments chain_moments(const SpinChain& chain, double T);

// Edges between consecutive steps: N - 1 for a free chain; N on a ring, the last one joining
// s_{N-1} to s_0.
int edge_count(const SpinChain& chain);

struct ChainPosterior {
  double T = 0;
  ChainMoments moments;
  std::vector<double> state_marginals;   // [N * 2^L]: P(s_t = s)
  // [edges * 2^L * 2^kV]: at (e * 2^L + p) * 2^kV + u, P(s_e = p, s_{e+1} = successor(p, u)),
  // with s_N meaning s_0 on a ring.
  std::vector<double> edge_marginals;
  std::vector<double> symbol_marginals;  // [N * 2^kV]: P(u_t = u), u_t = s_t & (2^kV - 1)
  std::vector<double> bit_marginals;     // [bits]: P(b_i = 1); the magnetisation is 2P - 1
  std::vector<double> site_energy_mean;  // [N]: <e_t(s_t)>, summing to <E>

  double edge(int e, int p, int u, int states, int symbols) const {
    return edge_marginals[(size_t(e) * states + p) * symbols + u];
  }
};

// Forward and backward sweeps per overlap (and, on a ring, once more with the chain rotated by one
// step, for the closing edge).
ChainPosterior chain_posterior(const SpinChain& chain, double T);

}  // namespace bcjr::physics
