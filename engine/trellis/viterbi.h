// Hard trellis quantisation (docs/ALGORITHM.md section 3): the minimum-energy path of each tile, for a
// free or tail-biting boundary. Tail-biting is exact (every overlap tried) where 2^(L-kV) <= 256,
// QTIP's two passes otherwise; `method` in the result says which.
#pragma once

#include <ATen/Tensor.h>

#include <string>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis {

enum class ViterbiTailBiting {
  Auto,     // Exact where 2^(L-kV) <= kMaxExactOverlaps, else TwoPass
  Exact,    // minimum over every overlap (cost 2^(L-kV) passes)
  TwoPass,  // QTIP: roll by N/2, solve free, read the overlap, solve with it fixed
};

struct ViterbiResult {
  at::Tensor states;    // int32 [tiles, N]
  at::Tensor codeword;  // float32 [tiles, n]: c(s_t) laid out as the input
  at::Tensor energy;    // float64 [tiles]: sum_t ||c(s_t) - w_t||^2
  std::string method;   // "free", "tailbiting-exact" or "tailbiting-qtip-2pass"
  std::string codebook; // Codebook::describe()
};

// w: float32 [tiles, n] with n == spec.n, finite, on the CPU or (with the kernels) CUDA.
ViterbiResult viterbi(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, Boundary boundary,
                      ViterbiTailBiting method = ViterbiTailBiting::Auto);

// The method string Auto resolves to for this spec and boundary.
std::string viterbi_method(const TrellisSpec& spec, Boundary boundary, ViterbiTailBiting method);

// c(s_t) for states int32 [tiles, N]: float32 [tiles, n] (on the states' device).
at::Tensor codeword_from_states(const at::Tensor& states, const TrellisSpec& spec, const Codebook& cb);

// Checks a weight batch (dtype float32, 2-D, width spec.n, finite); `what` names it in errors.
void check_weights(const at::Tensor& w, const TrellisSpec& spec, const std::string& what);

}  // namespace bcjr::trellis
