// The device primitives every trellis algorithm is built from: a Viterbi pass and a BCJR
// forward-backward pass (optionally with the VJP) over a batch of tiles, each either free or with
// its tail-biting overlap fixed per tile. Tail-biting methods (exact over all overlaps, QTIP's two
// passes, fixed overlap) are compositions of these in viterbi.cpp and bcjr.cpp, the same on
// every device; the CPU versions are here, the CUDA ones in cuda_dispatch.h.
#pragma once

#include <ATen/Tensor.h>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis {

// overlap (all primitives): undefined for a free boundary, else int32 [tiles] on w's device with
// values in [0, 2^(L-kV)): start states s_0 with s_0 >> kV == o and end states s_{N-1} with
// s_{N-1} & (2^(L-kV) - 1) == o, i.e. the tail-biting paths whose overlap is o.

struct PathBatch {
  at::Tensor states;  // int32 [tiles, N]: the minimum-energy path
  at::Tensor energy;  // float64 [tiles]: its energy sum_t ||c(s_t) - w_t||^2
};

struct SoftBatch {
  at::Tensor codeword;          // float32 [tiles, n]: E_P[c(s_t)]
  at::Tensor log_z;             // float64 [tiles]: log sum over (allowed) paths of exp(-E/T)
  at::Tensor symbol_marginals;  // float32 [tiles, N, 2^kV] when asked for, else undefined
  at::Tensor grad_w;            // float32 [tiles, n]: (2/T) Cov_P(G, c(s_u)) when a gradient was given
};

// w: float32 [tiles, n], contiguous, on the CPU.
PathBatch viterbi_cpu(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb,
                      const at::Tensor& overlap);
// grad_codeword: undefined (no VJP) or float32 [tiles, n], the upstream gradient g.
SoftBatch bcjr_cpu(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, double T,
                   const at::Tensor& overlap, const at::Tensor& grad_codeword, bool want_marginals);

}  // namespace bcjr::trellis
