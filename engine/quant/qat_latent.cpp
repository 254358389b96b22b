#include "engine/quant/qat_latent.h"

#include <torch/torch.h>

#include <cmath>

namespace bcjr::quant {

std::unique_ptr<LatentLinear> LatentLinear::from_ptq(const LinearKey& key, const PtqLinearResult& ptq,
                                                     const torch::Device& device) {
  auto l = std::make_unique<LatentLinear>();
  l->key = key;
  l->q = &ptq.q;
  l->w = ptq.reconstruction.detach().to(device).clone().set_requires_grad(true);
  torch::NoGradGuard ng;
  l->init_rot = normalised_tiles(l->q->rht(), l->q->scale, l->w.detach());
  l->prev_rot = l->init_rot;
  return l;
}

void add_drift_metrics(LatentLinear& l, const torch::Tensor& rot, LinearStepMetrics& m) {
  torch::NoGradGuard ng;
  auto drift = (rot - l.init_rot).to(torch::kFloat64);
  m.drift_rms = std::sqrt(drift.pow(2).mean().item<double>());
  m.drift_max = drift.abs().max().item<double>();
  l.path += std::sqrt((rot - l.prev_rot).to(torch::kFloat64).pow(2).mean().item<double>());
  l.prev_rot = rot;
  m.drift_path = l.path;
  m.sigma_w = std::sqrt(rot.to(torch::kFloat64).pow(2).mean().item<double>());
}

LinearStepMetrics latent_step_metrics(LatentLinear& l, const TrellisCode& code, double lr, int64_t steps) {
  torch::NoGradGuard ng;
  LinearStepMetrics m;
  m.layer = l.key.first;
  m.linear = l.key.second;
  add_drift_metrics(l, normalised_tiles(l.q->rht(), l.q->scale, l.w.detach()), m);
  m.radius = voronoi_radius(m.sigma_w, code.spec.k, code.spec.V);
  m.predicted = double(steps) * lr / l.q->scale;
  m.tiles = l.q->tiles();
  m.trellis_steps = l.q->states.numel();
  return m;
}

void count_latent_flips(const LatentLinear& l, const TrellisCode& code, LinearStepMetrics& m) {
  torch::NoGradGuard ng;
  auto f = count_flips(harden(*l.q, code, l.w.detach()), l.q->states);
  m.flips = f.steps;
  m.tiles_touched = f.tiles;
}

}  // namespace bcjr::quant
