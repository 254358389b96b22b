// The CPU batch primitives: tiles in parallel, one solver (and so one bounded workspace) per
// worker chunk; tensors only at the boundary.
#include "engine/trellis/trellis_primitives.h"

#include <torch/torch.h>

#include <algorithm>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/core/runtime.h"
#include "engine/trellis/tile_solvers.h"

namespace bcjr::trellis {
namespace {

void check_batch(const at::Tensor& w, const TrellisSpec& spec, const char* what) {
  spec.validate();
  BCJR_CHECK(w.defined() && w.device().is_cpu() && w.scalar_type() == torch::kFloat32 && w.dim() == 2 &&
                 w.size(1) == spec.n && w.is_contiguous(),
             what, ": expected a contiguous float32 CPU tensor [tiles, ", spec.n, "]");
}

const int32_t* overlap_ptr(const at::Tensor& overlap, const at::Tensor& w, const TrellisSpec& spec) {
  if (!overlap.defined()) return nullptr;
  BCJR_CHECK(overlap.device().is_cpu() && overlap.scalar_type() == torch::kInt32 && overlap.dim() == 1 &&
                 overlap.size(0) == w.size(0) && overlap.is_contiguous(),
             "trellis overlap: expected a contiguous int32 CPU tensor [", w.size(0), "]");
  const int32_t* o = overlap.data_ptr<int32_t>();
  for (int64_t i = 0; i < overlap.size(0); ++i)
    BCJR_CHECK(o[i] >= 0 && o[i] < spec.overlaps(), "trellis overlap: tile ", i, " has overlap ", o[i],
               " outside [0, ", spec.overlaps(), ")");
  return o;
}

void check_codebook(const Codebook& cb, const TrellisSpec& spec) {
  BCJR_CHECK(cb.L == spec.L && cb.V == spec.V && int64_t(cb.table.size()) == spec.states() * spec.V,
             "codebook ", cb.describe(), " does not fit the trellis ", spec.describe());
}

int64_t grain_for(int64_t tiles) {
  return std::max<int64_t>(1, std::min<int64_t>(16, tiles / (4 * std::max(1, thread_count()))));
}

}  // namespace

PathBatch viterbi_cpu(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, const at::Tensor& overlap) {
  check_batch(w, spec, "viterbi weights");
  check_codebook(cb, spec);
  const int32_t* ov = overlap_ptr(overlap, w, spec);
  const int64_t tiles = w.size(0);
  const int N = spec.steps();
  PathBatch out;
  out.states = torch::empty({tiles, N}, torch::kInt32);
  out.energy = torch::empty({tiles}, torch::kFloat64);
  const CodeColumns code(cb);
  const float* wp = w.data_ptr<float>();
  int32_t* sp = out.states.data_ptr<int32_t>();
  double* ep = out.energy.data_ptr<double>();
  parallel_for(tiles, grain_for(tiles), [&](int64_t b, int64_t e) {
    ViterbiTileSolver solver(spec, code);
    for (int64_t i = b; i < e; ++i) ep[i] = solver.solve(wp + i * spec.n, ov ? ov[i] : -1, sp + i * N);
  });
  return out;
}

SoftBatch bcjr_cpu(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, double T,
                   const at::Tensor& overlap, const at::Tensor& grad_codeword, bool want_marginals) {
  check_batch(w, spec, "bcjr weights");
  check_codebook(cb, spec);
  BCJR_CHECK(T > 0 && std::isfinite(T), "bcjr: temperature T = ", T, " must be positive and finite");
  const int32_t* ov = overlap_ptr(overlap, w, spec);
  const bool vjp = grad_codeword.defined();
  if (vjp) check_batch(grad_codeword, spec, "bcjr upstream gradient");
  if (vjp) BCJR_CHECK(grad_codeword.size(0) == w.size(0), "bcjr upstream gradient: ", grad_codeword.size(0),
                      " tiles, the weights have ", w.size(0));
  const int64_t tiles = w.size(0);
  const int N = spec.steps(), B = spec.symbols();
  SoftBatch out;
  out.codeword = torch::empty({tiles, spec.n}, torch::kFloat32);
  out.log_z = torch::empty({tiles}, torch::kFloat64);
  if (want_marginals) out.symbol_marginals = torch::empty({tiles, N, B}, torch::kFloat32);
  if (vjp) out.grad_w = torch::empty({tiles, spec.n}, torch::kFloat32);
  const CodeColumns code(cb);
  const float* wp = w.data_ptr<float>();
  const float* gp = vjp ? grad_codeword.data_ptr<float>() : nullptr;
  float* cp = out.codeword.data_ptr<float>();
  double* zp = out.log_z.data_ptr<double>();
  float* mp = want_marginals ? out.symbol_marginals.data_ptr<float>() : nullptr;
  float* dp = vjp ? out.grad_w.data_ptr<float>() : nullptr;
  parallel_for(tiles, grain_for(tiles), [&](int64_t b, int64_t e) {
    BcjrTileSolver solver(spec, code, T);
    for (int64_t i = b; i < e; ++i) {
      SoftTileOutput o;
      o.codeword = cp + i * spec.n;
      o.symbol_marginals = mp ? mp + i * int64_t(N) * B : nullptr;
      o.grad_in = gp ? gp + i * spec.n : nullptr;
      o.grad_w = dp ? dp + i * spec.n : nullptr;
      solver.solve(wp + i * spec.n, ov ? ov[i] : -1, o);
      zp[i] = o.log_z;
    }
  });
  return out;
}

}  // namespace bcjr::trellis
