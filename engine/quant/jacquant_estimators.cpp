#include "engine/quant/jacquant_estimators.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "engine/core/cancel.h"
#include "engine/core/error.h"

namespace bcjr::quant {
namespace {

void check_batch(const torch::Tensor& x, const torch::Tensor& scale, const char* what) {
  BCJR_CHECK(x.dim() == 2 && x.scalar_type() == torch::kFloat32, "jacquant ", what, ": tiles must be float32 2-D");
  BCJR_CHECK(scale.dim() == 1 && scale.size(0) == x.size(0), "jacquant ", what, ": one scale per tile expected, got ",
             scale.sizes(), " for ", x.size(0), " tiles");
  BCJR_CHECK(bool(scale.gt(0).all().item<bool>()), "jacquant ", what, ": scales must be > 0");
}

}  // namespace

torch::Tensor probe_slopes(const TileQuantizer& q, const torch::Tensor& x, const torch::Tensor& h, int count,
                           uint64_t seed) {
  check_batch(x, h, "probe");
  BCJR_CHECK(count >= 1, "jacquant probe: count ", count);
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  const auto n = double(x.size(1));
  auto hd = h.to(x.device(), torch::kFloat32).unsqueeze(1);
  auto acc = torch::zeros({x.size(0)}, torch::TensorOptions().dtype(torch::kFloat64).device(x.device()));
  for (int i = 0; i < count; ++i) {
    check_cancel();  // each probe is two hard codewords (Viterbi) of every tile
    auto r = (torch::randint(0, 2, {x.size(0), x.size(1)}, gen, torch::kFloat32) * 2 - 1).to(x.device());
    auto diff = q((x + hd * r).contiguous()) - q((x - hd * r).contiguous());
    acc += (r * diff).to(torch::kFloat64).sum(1) / (2.0 * n * hd.squeeze(1).to(torch::kFloat64));
  }
  return (acc / double(count)).to(torch::kFloat32);
}

torch::Tensor dither_slopes(const TileQuantizer& q, const torch::Tensor& x, const torch::Tensor& q_x,
                            const torch::Tensor& sigma, int count, uint64_t seed) {
  check_batch(x, sigma, "dither");
  BCJR_CHECK(q_x.sizes() == x.sizes(), "jacquant dither: cached output of shape ", q_x.sizes(), " for tiles ",
             x.sizes());
  BCJR_CHECK(count >= 1, "jacquant dither: count ", count);
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  const auto n = double(x.size(1));
  auto s = sigma.to(x.device(), torch::kFloat32).unsqueeze(1);
  auto qx = q_x.to(x.device());
  auto acc = torch::zeros({x.size(0)}, torch::TensorOptions().dtype(torch::kFloat64).device(x.device()));
  for (int i = 0; i < count; ++i) {
    check_cancel();  // each draw is a hard codeword (Viterbi) of every tile
    auto e = torch::randn({x.size(0), x.size(1)}, gen, torch::kFloat32).to(x.device()) * s;
    auto diff = q((x + e).contiguous()) - qx;
    acc += (diff * e).to(torch::kFloat64).sum(1) / (n * s.squeeze(1).to(torch::kFloat64).pow(2));
  }
  return (acc / double(count)).to(torch::kFloat32);
}

torch::Tensor smooth_slopes(const torch::Tensor& b, const torch::Tensor& est, const JacQuantOptions& o) {
  BCJR_CHECK(b.sizes() == est.sizes() && b.dim() == 1, "jacquant: slopes ", b.sizes(), " and estimates ",
             est.sizes(), " differ in shape");
  torch::NoGradGuard ng;
  auto next = ((1.0 - o.ema) * b + o.ema * est.to(b.device(), b.scalar_type())).clamp(o.lo, o.hi);
  return (1.0 - o.shrink) * next + o.shrink * next.mean();
}

torch::Tensor bcjr_slopes_from_variance(const torch::Tensor& variance, double T) {
  BCJR_CHECK(T > 0 && variance.dim() == 2, "BCJR slopes: T ", T, ", variance of shape ", variance.sizes());
  return (2.0 / T) * variance.to(torch::kFloat64).mean(1);
}

}  // namespace bcjr::quant
