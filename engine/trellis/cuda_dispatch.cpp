// Device dispatch for the trellis primitives: the CUDA build calls into kernels/, any other build
// reports that the kernels are missing. Kept tiny: the CUDA side owns the #ifdef branch.
#include "engine/trellis/cuda_dispatch.h"

#include "engine/core/error.h"

#ifdef BCJR_WITH_CUDA
#include <ATen/ATen.h>

#include <exception>
#include <vector>

#include "kernels/trellis_host.h"
#endif

namespace bcjr::trellis {

#ifdef BCJR_WITH_CUDA
namespace {

kernels::TrellisShapeArg shape_of(const TrellisSpec& spec) { return {spec.L, spec.k, spec.V, spec.n}; }

// hyb travels as its 512x2 LUT (the kernels hash the state themselves), other codes as the table.
kernels::CodeArg code_of(const Codebook& cb) {
  const bool hyb = cb.code == "hyb" && !cb.lut.empty();
  const std::vector<float>& v = hyb ? cb.lut : cb.table;
  kernels::CodeArg arg;
  arg.hyb = hyb;
  arg.values = at::from_blob(const_cast<float*>(v.data()), {int64_t(v.size())}, at::kFloat).clone();
  return arg;
}

template <class Fn>
auto rethrow_as_error(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(what, ": ", e.what());
  }
}

}  // namespace

PathBatch viterbi_cuda(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, const at::Tensor& overlap) {
  return rethrow_as_error("viterbi on cuda", [&] {
    const auto r = kernels::viterbi_cuda_tensors(w.contiguous(), shape_of(spec), code_of(cb),
                                                 overlap.defined() ? overlap.contiguous() : overlap);
    return PathBatch{r.states, r.energy};
  });
}

SoftBatch bcjr_forward_cuda(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, double T,
                            const at::Tensor& overlap, bool want_marginals) {
  return rethrow_as_error("bcjr forward on cuda", [&] {
    const auto r = kernels::bcjr_cuda_tensors(w.contiguous(), at::Tensor(), shape_of(spec), code_of(cb), T,
                                              overlap.defined() ? overlap.contiguous() : overlap, want_marginals);
    return SoftBatch{r.codeword, r.log_z, r.symbol_marginals, at::Tensor()};
  });
}

SoftBatch bcjr_vjp_cuda(const at::Tensor& w, const at::Tensor& grad_codeword, const TrellisSpec& spec,
                        const Codebook& cb, double T, const at::Tensor& overlap, bool want_marginals) {
  return rethrow_as_error("bcjr vjp on cuda", [&] {
    const auto r = kernels::bcjr_cuda_tensors(w.contiguous(), grad_codeword.contiguous(), shape_of(spec), code_of(cb),
                                              T, overlap.defined() ? overlap.contiguous() : overlap, want_marginals);
    return SoftBatch{r.codeword, r.log_z, r.symbol_marginals, r.grad_w};
  });
}

#else

namespace {
[[noreturn]] void no_cuda(const char* what) {
  fail(what, ": this bcjr was built without CUDA kernels (use --device cpu)");
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
                        const at::Tensor&, bool) {
  no_cuda("bcjr vjp on cuda");
}

#endif

}  // namespace bcjr::trellis
