#include "engine/quant/qat_finite.h"

#include <torch/torch.h>

#include "engine/quant/qat_latent.h"

namespace bcjr::quant {

std::string first_non_finite(const std::map<LinearKey, std::unique_ptr<LatentLinear>>& latents, bool gradients) {
  for (const auto& kv : latents) {
    const torch::Tensor t = gradients ? kv.second->w.grad() : kv.second->w.detach();
    if (!t.defined()) continue;
    if (!torch::isfinite(t).all().item<bool>()) {
      const auto bad = (~torch::isfinite(t)).nonzero();
      const std::string at = bad.size(0) > 0 ? " (first at [" + std::to_string(bad[0][0].item<int64_t>()) + ", " +
                                                   std::to_string(bad[0][1].item<int64_t>()) + "])"
                                             : "";
      return std::string(gradients ? "the gradient of " : "") + "W_latent of " + linear_label(kv.first) + at;
    }
  }
  return "";
}

}  // namespace bcjr::quant
