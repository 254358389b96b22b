#include "engine/quant/soft_quantized_weight.h"

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/trellis/soft_quantize.h"

namespace bcjr::quant {

torch::Tensor soft_quantized_weight(const torch::Tensor& w_latent, const QuantizedLinear& q, const TrellisCode& code,
                                    double T) {
  BCJR_CHECK(w_latent.dim() == 2 && w_latent.size(0) == q.rows && w_latent.size(1) == q.cols, "W_latent of layer ",
             q.layer, " ", q.name, " has shape ", w_latent.sizes(), ", expected [", q.rows, ", ", q.cols, "]");
  auto rht = q.rht();
  auto tiles = normalised_tiles(rht, q.scale, w_latent);
  auto soft = trellis::soft_quantize(tiles, code.spec, code.codebook, code.bcjr_options(T));
  return from_normalised_tiles(rht, q.scale, soft);
}

}  // namespace bcjr::quant
