// The BCJR soft codeword as a differentiable LibTorch op, for BCJR-QAT: forward = E_P[c(s_t)],
// backward = the exact VJP (one extra forward-backward sweep, never autograd on the recursion).
// Tail-biting at large L conditions on the overlap found in the forward pass, in backward too.
#pragma once

#include <torch/types.h>

#include <memory>

#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis {

// w: float32 [tiles, n] (CPU, or CUDA with the kernels); returns the soft codeword, same shape.
torch::Tensor soft_quantize(const torch::Tensor& w, const TrellisSpec& spec, std::shared_ptr<const Codebook> cb,
                            Boundary boundary, double T);
// With every BCJR option (tail-biting method); symbol_marginals and overlap are ignored.
torch::Tensor soft_quantize(const torch::Tensor& w, const TrellisSpec& spec, std::shared_ptr<const Codebook> cb,
                            const BcjrOptions& opt);

}  // namespace bcjr::trellis
