#include "engine/physics/tile_posterior_view.h"

#include <torch/torch.h>


#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/tile_posterior.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::physics {
namespace {

trellis::BcjrOptions options(const TileProblem& p, double T) {
  BCJR_CHECK(p.codebook != nullptr, "tile posterior: no codebook given");
  p.spec.validate(p.boundary);
  trellis::BcjrOptions opt;
  opt.T = T;
  opt.boundary = p.boundary;
  opt.tailbiting = trellis::parse_bcjr_tailbiting(p.tailbiting);  // the run's, as in training
  return opt;
}

}  // namespace

TilePosteriorView tile_posterior_view(const TileProblem& p, double T) {
  const trellis::BcjrOptions opt = options(p, T);
  trellis::TilePosterior post = trellis::tile_posterior(p.weights, p.spec, *p.codebook, opt);
  check_cancel();
  torch::NoGradGuard ng;
  auto w = torch::from_blob(const_cast<float*>(p.weights.data()), {1, p.spec.n}, torch::kFloat32);
  auto hard = trellis::viterbi(w, p.spec, *p.codebook, p.boundary);
  TilePosteriorView v;
  v.label = p.label;
  v.T = T;
  v.steps = post.steps;
  v.symbols = post.symbols;
  v.V = post.V;
  v.marginals = std::move(post.symbol_marginals);
  v.mean = std::move(post.mean);
  v.variance = std::move(post.variance);
  v.target = p.weights;
  const int mask = post.symbols - 1;
  auto states = hard.states.contiguous();
  const int32_t* s = states.data_ptr<int32_t>();
  for (int t = 0; t < post.steps; ++t) v.viterbi_symbols.push_back(s[t] & mask);
  v.log_z = post.log_z;
  v.method = post.method;
  return v;
}

TileThermodynamics tile_thermodynamics(const TileProblem& p, const std::vector<double>& temperatures) {
  TileThermodynamics out;
  out.label = p.label;
  for (double T : temperatures) {
    check_cancel();
    trellis::TilePosterior post = trellis::tile_posterior(p.weights, p.spec, *p.codebook, options(p, T));
    // <E> = sum_t E||c(s_t) - w_t||^2 = sum_t sum_v (Var c + (E c - w)^2).
    double energy = 0;
    for (size_t i = 0; i < p.weights.size(); ++i) {
      const double d = post.mean[i] - p.weights[i];
      energy += post.variance[i] + d * d;
    }
    out.temperature.push_back(T);
    out.free_energy.push_back(-T * post.log_z);
    out.energy.push_back(energy);
  }
  return out;
}

}  // namespace bcjr::physics
