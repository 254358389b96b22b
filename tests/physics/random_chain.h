// Fresh random chains for the physics tests: a random Gaussian codebook (or a real code) and a
// tile at 0.9 x the codebook's RMS, from a seed the test prints so that a failure can be replayed.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "engine/physics/spin_chain.h"
#include "engine/trellis/codebook.h"

namespace bcjr::physics::testing {

inline trellis::Codebook random_codebook(int L, int V, std::mt19937_64& rng) {
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> t(size_t(V) << L);
  for (float& v : t) v = nd(rng);
  return trellis::codebook_from_table(std::move(t), L, V, "random test table");
}

inline std::vector<float> random_tile(int n, float rms, std::mt19937_64& rng) {
  std::normal_distribution<float> nd(0.0f, 0.9f * rms);
  std::vector<float> w(static_cast<size_t>(n));
  for (float& v : w) v = nd(rng);
  return w;
}

inline SpinChain random_chain(const trellis::TrellisSpec& spec, trellis::Boundary b, std::mt19937_64& rng) {
  auto cb = random_codebook(spec.L, spec.V, rng);
  auto w = random_tile(spec.n, cb.rms(), rng);
  return make_spin_chain(spec, b, std::move(cb), std::move(w));
}

// Small enough to enumerate (at most a few thousand paths), covering k, V, kV = L and a ring of
// one step.
inline std::vector<trellis::TrellisSpec> enumerable_specs() {
  return {{2, 1, 1, 5}, {3, 1, 1, 7}, {4, 1, 1, 8}, {4, 2, 1, 4}, {3, 1, 2, 6}, {4, 2, 2, 6},
          {5, 2, 1, 4}, {2, 1, 2, 2}, {5, 1, 2, 6}, {4, 2, 2, 2}};
}

}  // namespace bcjr::physics::testing
