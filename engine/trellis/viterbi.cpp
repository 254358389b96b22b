// Viterbi over a batch: the free and tail-biting methods, composed from the per-device primitive.
#include "engine/trellis/viterbi.h"

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/trellis/cuda_dispatch.h"
#include "engine/trellis/device_chunks.h"
#include "engine/trellis/trellis_primitives.h"

namespace bcjr::trellis {
namespace {

PathBatch run_viterbi(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, const at::Tensor& overlap) {
  if (!w.is_cuda()) return viterbi_cpu(w, spec, cb, overlap);  // checks per chunk of tiles
  return in_chunks(w.size(0), device_chunk_tiles(spec), [&](int64_t b, int64_t e) {
    return viterbi_cuda(w.slice(0, b, e), spec, cb, overlap.defined() ? overlap.slice(0, b, e) : overlap);
  });
}

bool use_exact(const TrellisSpec& spec, ViterbiTailBiting method) {
  return method == ViterbiTailBiting::Exact ||
         (method == ViterbiTailBiting::Auto && spec.overlaps() <= kMaxExactOverlaps);
}

at::Tensor overlap_of_start(const at::Tensor& states0, const TrellisSpec& spec) {
  return torch::bitwise_right_shift(states0, spec.kv()).to(torch::kInt32).contiguous();
}

// A code with c(~s) == c(s) for every state (hyb at L = 16: the complement changes only bits 16
// and up of s(s+1)) pairs every path with its bitwise complement, which is also a legal path (the
// shift commutes with NOT, tail-biting included) with the same codewords and energy. Which twin a
// search ends on depends on incidental ties; choosing the one whose first state has its top bit
// clear makes equal reconstructions have equal paths, so that codeword flips and bitstreams compare.
at::Tensor canonical_twin(const at::Tensor& states, const TrellisSpec& spec, const Codebook& cb) {
  if (states.size(0) == 0) return states;
  auto table = cb.table_tensor().view({spec.states(), spec.V});
  if (!torch::equal(table, table.flip(0))) return states;  // table[~s] == table[2^L - 1 - s]
  const int32_t mask = int32_t((int64_t(1) << spec.L) - 1);
  auto high = states.select(1, 0).ge(int32_t(1) << (spec.L - 1)).unsqueeze(1);
  return torch::where(high, torch::bitwise_xor(states, mask), states).contiguous();
}

}  // namespace

void check_weights(const at::Tensor& w, const TrellisSpec& spec, const std::string& what) {
  BCJR_CHECK(w.defined(), what, ": no tensor given");
  BCJR_CHECK(w.scalar_type() == torch::kFloat32, what, ": dtype ", c10::toString(w.scalar_type()),
             ", expected float32");
  BCJR_CHECK(w.dim() == 2, what, ": ", w.dim(), "-D, expected [tiles, n]");
  BCJR_CHECK(w.size(1) == spec.n, what, ": tile length ", w.size(1), " does not match n = ", spec.n);
  BCJR_CHECK(w.numel() == 0 || torch::isfinite(w).all().item<bool>(), what, ": contains non-finite values");
}

std::string viterbi_method(const TrellisSpec& spec, Boundary boundary, ViterbiTailBiting method) {
  if (boundary == Boundary::Free) return "free";
  return use_exact(spec, method) ? "tailbiting-exact" : "tailbiting-qtip-2pass";
}

at::Tensor codeword_from_states(const at::Tensor& states, const TrellisSpec& spec, const Codebook& cb) {
  BCJR_CHECK(states.dim() == 2 && states.size(1) == spec.steps(), "states: expected [tiles, ", spec.steps(), "]");
  BCJR_CHECK(cb.L == spec.L && cb.V == spec.V, "codebook ", cb.describe(), " does not fit ", spec.describe());
  auto idx = states.to(torch::kLong).reshape({-1});
  if (idx.numel() > 0)
    BCJR_CHECK(idx.min().item<int64_t>() >= 0 && idx.max().item<int64_t>() < spec.states(),
               "states: values outside [0, 2^L = ", spec.states(), ")");
  auto table = cb.table_tensor().to(states.device());
  return table.index_select(0, idx).reshape({states.size(0), spec.n});
}

ViterbiResult viterbi(const at::Tensor& w_in, const TrellisSpec& spec, const Codebook& cb, Boundary boundary,
                      ViterbiTailBiting method) {
  spec.validate(boundary);
  check_weights(w_in, spec, "viterbi weights");
  const auto w = w_in.contiguous();
  const int64_t tiles = w.size(0);
  ViterbiResult res;
  res.method = viterbi_method(spec, boundary, method);
  res.codebook = cb.describe();
  auto opts_i32 = torch::TensorOptions().dtype(torch::kInt32).device(w.device());
  PathBatch best;
  if (boundary == Boundary::Free) {
    best = run_viterbi(w, spec, cb, at::Tensor());
  } else if (use_exact(spec, method)) {
    for (int64_t o = 0; o < spec.overlaps(); ++o) {
      PathBatch p = run_viterbi(w, spec, cb, torch::full({tiles}, o, opts_i32));
      if (o == 0) {
        best = p;
        continue;
      }
      auto better = p.energy.to(best.energy.device()) < best.energy;  // strict: ties keep the lower overlap
      best.energy = torch::where(better, p.energy, best.energy);
      best.states = torch::where(better.unsqueeze(1), p.states, best.states);
    }
  } else {
    // QTIP's two passes: in the tile rolled by half its steps the wrap-around sits mid-tile, where
    // a free path is unconstrained; its state at original step 0 gives the overlap.
    const int N = spec.steps(), h = N / 2;
    auto rolled = torch::roll(w, {-int64_t(h) * spec.V}, {1}).contiguous();
    PathBatch first = run_viterbi(rolled, spec, cb, at::Tensor());
    auto overlap = overlap_of_start(first.states.select(1, (N - h) % N), spec);
    best = run_viterbi(w, spec, cb, overlap);
  }
  res.states = canonical_twin(best.states, spec, cb);
  res.energy = best.energy.to(torch::kFloat64);
  res.codeword = codeword_from_states(res.states, spec, cb);
  return res;
}

}  // namespace bcjr::trellis
