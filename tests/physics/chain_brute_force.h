// The obviously right reference for the exact chain: every legal path enumerated, its Boltzmann
// weight taken, and every quantity summed path by path (two passes, so that the variance is a sum
// of squares). Shares nothing with engine/physics except the path enumeration of the trellis tests.
#pragma once

#include <cmath>
#include <vector>

#include "engine/physics/spin_chain.h"
#include "tests/trellis/trellis_reference.h"

namespace bcjr::physics::testing {

struct BruteForce {
  double log_z = 0, mean_energy = 0, energy_variance = 0, gibbs_entropy = 0, min_energy = 0;
  double paths = 0;
  std::vector<double> state, edge, symbol, bit, site_mean;  // laid out as ChainPosterior's
};

// The bit string of a path, built symbol by symbol: a free path is the L bits of s_0 followed by
// the kV new bits of each later step; a ring is the N symbols, u_t at bits [t*kV + L - kV, t*kV + L)
// modulo N*kV.
inline std::vector<int> reference_bits(const SpinChain& c, const std::vector<int>& path) {
  const int L = c.spec.L, kv = c.spec.kv(), N = c.steps();
  std::vector<int> b;
  if (!c.tailbiting()) {
    for (int j = L - 1; j >= 0; --j) b.push_back((path[0] >> j) & 1);
    for (int t = 1; t < N; ++t)
      for (int j = kv - 1; j >= 0; --j) b.push_back((path[t] >> j) & 1);
    return b;
  }
  b.assign(size_t(N) * kv, -1);
  for (int t = 0; t < N; ++t)
    for (int j = 0; j < kv; ++j) b[size_t((t * kv + L - kv + j) % (N * kv))] = (path[t] >> (kv - 1 - j)) & 1;
  return b;
}

inline BruteForce brute_force(const SpinChain& c, double T) {
  const int N = c.steps(), S = c.states(), B = c.symbols();
  const int edges = N - (c.tailbiting() ? 0 : 1);
  std::vector<std::pair<double, std::vector<int>>> all;
  trellis::ref::for_each_path(c.spec, c.boundary, -1, [&](const std::vector<int>& p) {
    double e = 0;
    for (int t = 0; t < N; ++t) e += c.energy(t, p[t]);
    all.push_back({e, p});
  });
  BruteForce r;
  r.paths = double(all.size());
  r.min_energy = all[0].first;
  for (auto& a : all) r.min_energy = std::min(r.min_energy, a.first);
  double z = 0;
  for (auto& a : all) z += std::exp(-(a.first - r.min_energy) / T);
  r.log_z = std::log(z) - r.min_energy / T;
  r.state.assign(size_t(N) * S, 0);
  r.edge.assign(size_t(edges) * S * B, 0);
  r.symbol.assign(size_t(N) * B, 0);
  r.site_mean.assign(N, 0);
  r.bit.assign(reference_bits(c, all[0].second).size(), 0);
  for (auto& [e, p] : all) {
    const double P = std::exp(-(e - r.min_energy) / T) / z;
    r.mean_energy += P * e;
    if (P > 0) r.gibbs_entropy -= P * std::log(P);
    for (int t = 0; t < N; ++t) {
      r.state[size_t(t) * S + p[t]] += P;
      r.symbol[size_t(t) * B + (p[t] & (B - 1))] += P;
      r.site_mean[t] += P * c.energy(t, p[t]);
    }
    for (int t = 0; t < edges; ++t) r.edge[(size_t(t) * S + p[t]) * B + (p[(t + 1) % N] & (B - 1))] += P;
    const auto bits = reference_bits(c, p);
    for (size_t i = 0; i < bits.size(); ++i) r.bit[i] += P * bits[i];
  }
  for (auto& [e, p] : all) {
    const double d = e - r.mean_energy;
    r.energy_variance += std::exp(-(e - r.min_energy) / T) / z * d * d;
  }
  return r;
}

}  // namespace bcjr::physics::testing
