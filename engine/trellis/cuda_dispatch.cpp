// Device dispatch for the trellis primitives: the CUDA build calls into kernels/, any other build
// reports that the kernels are missing. Kept tiny: the CUDA side owns the #ifdef branch.
#include "engine/trellis/cuda_dispatch.h"

#include "engine/core/error.h"

namespace bcjr::trellis {

namespace {
[[noreturn]] void no_cuda(const char* what) {
#ifdef BCJR_WITH_CUDA
  // Replaced by calls into kernels/ once the trellis kernels exist.
  fail(what, ": the CUDA trellis kernels are not wired in yet (use --device cpu)");
#else
  fail(what, ": this bcjr was built without CUDA kernels (use --device cpu)");
#endif
}
}  // namespace

PathBatch viterbi_cuda(const at::Tensor&, const TrellisSpec&, const Codebook&, const at::Tensor&) {
  no_cuda("viterbi on cuda");
}
SoftBatch bcjr_forward_cuda(const at::Tensor&, const TrellisSpec&, const Codebook&, double, const at::Tensor&,
                            bool) {
  no_cuda("bcjr forward on cuda");
}
SoftBatch bcjr_vjp_cuda(const at::Tensor&, const at::Tensor&, const TrellisSpec&, const Codebook&, double,
                        const at::Tensor&) {
  no_cuda("bcjr vjp on cuda");
}

}  // namespace bcjr::trellis
