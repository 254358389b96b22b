// The CUDA versions of the trellis primitives (trellis_primitives.h), same contracts, tensors on
// the GPU. Without the CUDA kernels built in they throw bcjr::Error("... built without CUDA
// kernels"); the public entry points call them whenever w.is_cuda().
#pragma once

#include "engine/trellis/trellis_primitives.h"

namespace bcjr::trellis {

PathBatch viterbi_cuda(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb,
                       const at::Tensor& overlap);
SoftBatch bcjr_forward_cuda(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, double T,
                            const at::Tensor& overlap, bool want_marginals);
// Fills codeword, log_z and grad_w, and symbol_marginals with want_marginals (then through the
// separate posterior kernel, as in the forward).
SoftBatch bcjr_vjp_cuda(const at::Tensor& w, const at::Tensor& grad_codeword, const TrellisSpec& spec,
                        const Codebook& cb, double T, const at::Tensor& overlap, bool want_marginals = false);

}  // namespace bcjr::trellis
