// One tile's posterior, straight from the tile solver's per-step callback. Exact tail-biting is
// the mixture over overlaps, combined with running weights exp(log Z_o - max log Z).
#include "engine/trellis/tile_posterior.h"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/trellis/tile_solvers.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::trellis {

TilePosterior tile_posterior(const std::vector<float>& w_tile, const TrellisSpec& spec, const Codebook& cb,
                             const BcjrOptions& opt, bool want_state_marginals) {
  spec.validate(opt.boundary);
  BCJR_CHECK(int(w_tile.size()) == spec.n, "tile posterior: tile has ", w_tile.size(), " weights, expected n = ",
             spec.n);
  BCJR_CHECK(opt.T > 0 && std::isfinite(opt.T), "tile posterior: temperature T = ", opt.T, " must be positive");
  for (size_t i = 0; i < w_tile.size(); ++i)
    BCJR_CHECK(std::isfinite(w_tile[i]), "tile posterior: weight ", i, " is not finite");
  BCJR_CHECK(cb.L == spec.L && cb.V == spec.V, "codebook ", cb.describe(), " does not fit ", spec.describe());
  const int N = spec.steps(), B = spec.symbols(), V = spec.V;
  const int64_t S = spec.states();

  std::vector<int> overlaps;
  const std::string method = bcjr_method(spec, opt.boundary, opt.tailbiting);
  if (opt.boundary == Boundary::Free) {
    overlaps = {-1};
  } else if (method == "tailbiting-exact") {
    for (int64_t o = 0; o < spec.overlaps(); ++o) overlaps.push_back(int(o));
  } else if (opt.overlap.defined()) {
    overlaps = {int(opt.overlap.reshape({-1})[0].item<int64_t>())};
  } else {
    auto w = torch::from_blob(const_cast<float*>(w_tile.data()), {1, spec.n}, torch::kFloat32);
    auto hard = viterbi(w, spec, cb, Boundary::TailBiting);
    overlaps = {hard.states[0][0].item<int>() >> spec.kv()};
  }

  TilePosterior out;
  out.steps = N;
  out.symbols = B;
  out.V = V;
  out.states = S;
  out.method = method;
  // Running sums in double, relative to the largest log Z seen: weight, E[u], E[c], E[c^2], P(s).
  std::vector<double> marg(size_t(N) * B, 0), mean(size_t(N) * V, 0), sq(size_t(N) * V, 0);
  std::vector<float> states;
  if (want_state_marginals) states.assign(size_t(N) * S, 0.0f);
  double max_lz = -INFINITY, weight = 0;

  const CodeColumns code(cb);
  BcjrTileSolver solver(spec, code, opt.T);
  std::vector<float> codeword(spec.n), run_marg(size_t(N) * B), run_sq(size_t(N) * V), run_states;
  if (want_state_marginals) run_states.resize(size_t(N) * S);
  for (int o : overlaps) {
    check_cancel();  // the solver checks inside a sweep too
    SoftTileOutput so;
    so.codeword = codeword.data();
    so.symbol_marginals = run_marg.data();
    so.on_step = [&](int t, const float* q, float inv_sum) {
      for (int v = 0; v < V; ++v) {
        const float* c = v == 0 ? code.c0.data() : code.c1.data();
        double s2 = 0;
        for (int64_t s = 0; s < S; ++s) s2 += double(q[s]) * c[s] * c[s];
        run_sq[size_t(t) * V + v] = float(s2 * inv_sum);
      }
      if (want_state_marginals)
        for (int64_t s = 0; s < S; ++s) run_states[size_t(t) * S + s] = q[s] * inv_sum;
    };
    solver.solve(w_tile.data(), o, so);
    const double new_max = std::max(max_lz, so.log_z);
    const double old_scale = std::isfinite(max_lz) ? std::exp(max_lz - new_max) : 0.0;
    const double new_scale = std::exp(so.log_z - new_max);
    max_lz = new_max;
    weight = weight * old_scale + new_scale;
    for (size_t i = 0; i < marg.size(); ++i) marg[i] = marg[i] * old_scale + run_marg[i] * new_scale;
    for (size_t i = 0; i < mean.size(); ++i) {
      mean[i] = mean[i] * old_scale + codeword[i] * new_scale;
      sq[i] = sq[i] * old_scale + run_sq[i] * new_scale;
    }
    if (want_state_marginals)
      for (size_t i = 0; i < states.size(); ++i)
        states[i] = float(states[i] * old_scale + run_states[i] * new_scale);
  }
  out.log_z = max_lz + std::log(weight);
  out.symbol_marginals.resize(marg.size());
  for (size_t i = 0; i < marg.size(); ++i) out.symbol_marginals[i] = float(marg[i] / weight);
  out.mean.resize(mean.size());
  out.variance.resize(mean.size());
  for (size_t i = 0; i < mean.size(); ++i) {
    const double m = mean[i] / weight;
    out.mean[i] = float(m);
    out.variance[i] = float(std::max(0.0, sq[i] / weight - m * m));
  }
  if (want_state_marginals) {
    for (float& v : states) v = float(v / weight);
    out.state_marginals = std::move(states);
  }
  return out;
}

}  // namespace bcjr::trellis
