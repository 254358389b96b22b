#include "engine/physics/spin_chain.h"

#include <ATen/ATen.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/trellis/deterministic_random.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::physics {

namespace {
const char* kInstead = "; for larger trellises use `bcjr soft` (BCJR marginals and log Z at any size)";
}

void check_exact_range(const trellis::TrellisSpec& spec, trellis::Boundary boundary) {
  spec.validate(boundary);
  BCJR_CHECK(spec.L <= kMaxExactL, "exact chain: L = ", spec.L, " is outside 2..", kMaxExactL,
             " (an exact sum over every path costs 2^(L-kV) x N x 2^L x 2^kV)", kInstead);
  BCJR_CHECK(spec.k <= kMaxExactK, "exact chain: k = ", spec.k, " is outside 1..", kMaxExactK, kInstead);
  BCJR_CHECK(spec.n <= kMaxExactN, "exact chain: n = ", spec.n, " weights is more than ", kMaxExactN,
             " (the view and the brute-force checks are for small tiles)", kInstead);
}

int SpinChain::bits() const {
  return tailbiting() ? steps() * spec.kv() : spec.L + (steps() - 1) * spec.kv();
}

int SpinChain::bit_step(int i) const { return std::min(i / spec.kv(), steps() - 1); }

int SpinChain::bit_position(int i) const { return spec.L - 1 - (i - bit_step(i) * spec.kv()); }

std::vector<int> SpinChain::path_bits(const std::vector<int>& path) const {
  path_energy(path);  // checks the path
  std::vector<int> b(static_cast<size_t>(bits()));
  for (int i = 0; i < bits(); ++i) b[size_t(i)] = (path[size_t(bit_step(i))] >> bit_position(i)) & 1;
  return b;
}

double SpinChain::path_energy(const std::vector<int>& path) const {
  BCJR_CHECK(int(path.size()) == steps(), "path has ", path.size(), " states, expected N = ", steps());
  double e = 0;
  for (int t = 0; t < steps(); ++t) {
    const int s = path[size_t(t)];
    BCJR_CHECK(s >= 0 && s < states(), "path: state ", s, " at step ", t, " is outside 0..", states() - 1);
    if (t > 0) BCJR_CHECK(legal(path[size_t(t - 1)], s), "path: step ", t - 1, " -> ", t, " is not a trellis edge");
    e += energy(t, s);
  }
  if (tailbiting())
    BCJR_CHECK(legal(path.back(), path.front()), "path: the closing step ", steps() - 1, " -> 0 is not a trellis edge");
  return e;
}

SpinChain make_spin_chain(const trellis::TrellisSpec& spec, trellis::Boundary boundary, trellis::Codebook codebook,
                          std::vector<float> weights) {
  check_exact_range(spec, boundary);
  BCJR_CHECK(codebook.L == spec.L && codebook.V == spec.V, "exact chain: codebook ", codebook.describe(),
             " does not fit the trellis ", spec.describe());
  BCJR_CHECK(codebook.table.size() == size_t(spec.states()) * spec.V, "exact chain: codebook has ",
             codebook.table.size(), " values, expected ", spec.states() * spec.V);
  BCJR_CHECK(int(weights.size()) == spec.n, "exact chain: tile has ", weights.size(), " weights, expected n = ", spec.n);
  for (size_t i = 0; i < weights.size(); ++i)
    BCJR_CHECK(std::isfinite(weights[i]), "exact chain: weight ", i, " is not finite");
  SpinChain c;
  c.spec = spec;
  c.boundary = boundary;
  c.codebook = std::move(codebook);
  c.weights = std::move(weights);
  const int N = spec.steps(), S = int(spec.states()), V = spec.V;
  c.site_energy.resize(size_t(N) * S);
  for (int t = 0; t < N; ++t)
    for (int s = 0; s < S; ++s) {
      double e = 0;
      for (int v = 0; v < V; ++v) {
        const double d = double(c.codebook.table[size_t(s) * V + v]) - double(c.weights[size_t(t) * V + v]);
        e += d * d;
      }
      c.site_energy[size_t(t) * S + s] = e;
    }
  return c;
}

std::vector<float> gaussian_tile(const trellis::Codebook& codebook, int n, uint64_t seed) {
  BCJR_CHECK(n > 0, "tile length n = ", n, " must be positive");
  trellis::DeterministicRandom rng(seed);
  const double scale = 0.9 * codebook.rms();
  std::vector<float> w(static_cast<size_t>(n));
  for (int i = 0; i < n; i += 2) {
    double a, b;
    rng.normal_pair(a, b);
    w[size_t(i)] = float(scale * a);
    if (i + 1 < n) w[size_t(i + 1)] = float(scale * b);
  }
  return w;
}

GroundState ground_state(const SpinChain& chain) {
  at::Tensor w = at::from_blob(const_cast<float*>(chain.weights.data()), {1, chain.spec.n}, at::kFloat).clone();
  const auto hard = trellis::viterbi(w, chain.spec, chain.codebook, chain.boundary, trellis::ViterbiTailBiting::Exact);
  GroundState g;
  const at::Tensor states = hard.states.contiguous();
  const int32_t* p = states.data_ptr<int32_t>();
  g.states.assign(p, p + chain.steps());
  g.energy = chain.path_energy(g.states);
  g.method = hard.method;
  return g;
}

}  // namespace bcjr::physics
