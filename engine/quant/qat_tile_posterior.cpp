#include "engine/quant/qat_tile_posterior.h"

#include <torch/torch.h>

namespace bcjr::quant {

physics::TileProblem qat_tile_problem(const QatTileSource& s) {
  torch::NoGradGuard ng;
  auto row = normalised_tiles(s.q.rht(), s.q.scale, s.w)[s.tile].to(torch::kCPU).contiguous();
  physics::TileProblem p;
  p.spec = s.code.spec;
  p.codebook = s.code.codebook;
  p.boundary = s.code.boundary;
  p.tailbiting = s.code.params.tailbiting_bcjr;  // the run's method, as its training uses
  p.weights.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
  p.label = linear_label(s.key) + ", tile " + std::to_string(s.tile);
  return p;
}

physics::TilePosteriorView qat_tile_posterior(const QatTileSource& s, double T) {
  return physics::tile_posterior_view(qat_tile_problem(s), T);
}

}  // namespace bcjr::quant
