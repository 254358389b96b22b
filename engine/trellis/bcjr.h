// BCJR at temperature T (docs/ALGORITHM.md section 4): P(path) ~ exp(-E/T), the soft codeword
// E_P[c(s_t)], per-step symbol marginals, log Z, and the exact VJP (2/T) Cov_P(G, c(s_u)).
// Tail-biting: exact (conditioning on each overlap) where 2^(L-kV) <= 256; beyond, the overlap is
// fixed per tile to the hard tail-biting Viterbi path (QTIP two-pass), which gives the exact
// conditional distribution given that overlap. `method` in every result says which.
#pragma once

#include <ATen/Tensor.h>

#include <string>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis {

enum class BcjrTailBiting {
  Auto,          // Exact where 2^(L-kV) <= kMaxExactOverlaps, else FixedOverlap
  Exact,         // sum over every overlap of the constrained distributions
  FixedOverlap,  // overlap per tile from the tail-biting Viterbi path (or BcjrOptions::overlap)
};

struct BcjrOptions {
  double T = 0.1;                       // temperature, > 0, in the weights' units
  Boundary boundary = Boundary::Free;
  BcjrTailBiting tailbiting = BcjrTailBiting::Auto;
  bool symbol_marginals = false;        // fill BcjrResult::symbol_marginals
  // FixedOverlap only: int32 [tiles] overlaps to use instead of running Viterbi (e.g. the ones a
  // forward pass returned, so that its backward conditions on the same overlap).
  at::Tensor overlap;
};

struct BcjrResult {
  at::Tensor codeword;          // float32 [tiles, n]: the soft codeword
  at::Tensor log_z;             // float64 [tiles]
  at::Tensor symbol_marginals;  // float32 [tiles, N, 2^kV] if asked for
  at::Tensor overlap;           // int32 [tiles], FixedOverlap only: the overlap conditioned on
  at::Tensor grad_w;            // float32 [tiles, n], bcjr_vjp only
  std::string method;           // "free", "tailbiting-exact" or "tailbiting-fixed-overlap"
  std::string codebook;         // Codebook::describe()
};

// w: float32 [tiles, n]. Throws bcjr::Error for T <= 0 or non-finite, bad shapes, non-finite w.
BcjrResult bcjr_forward(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, const BcjrOptions& opt);
// The VJP for upstream gradient g (float32 [tiles, n]): grad_w, plus codeword and log_z.
BcjrResult bcjr_vjp(const at::Tensor& w, const at::Tensor& grad_codeword, const TrellisSpec& spec,
                    const Codebook& cb, const BcjrOptions& opt);

std::string bcjr_method(const TrellisSpec& spec, Boundary boundary, BcjrTailBiting method);
// "auto", "exact" or "fixed-overlap" (--tailbiting-bcjr); throws a bcjr::Error for anything else.
BcjrTailBiting parse_bcjr_tailbiting(const std::string& name);

}  // namespace bcjr::trellis
