// Torch-facing entry points of the trellis kernels (built only where LibTorch has CUDA): they check
// dtype, device, contiguity and shape, allocate outputs and workspace on the input's device, split
// the tiles into batches sized from free GPU memory, and run on the current stream. Errors are
// std::runtime_error naming the tensor and the problem (the engine rewraps them as bcjr::Error).
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>

namespace bcjr::kernels {

struct TrellisShapeArg {
  int L = 16, k = 2, V = 2, n = 256;
};

// The code as the kernels read it: hyb by its 512x2 LUT (the state hash is computed on the fly),
// any other code by its [2^L, V] table. values: float32 on the CPU or the GPU, contiguous.
struct CodeArg {
  bool hyb = false;
  at::Tensor values;
};

struct ViterbiTensors {
  at::Tensor states;  // int32 [tiles, N]
  at::Tensor energy;  // float64 [tiles], recomputed in double along the path
};

struct BcjrTensors {
  at::Tensor codeword;          // float32 [tiles, n]
  at::Tensor log_z;             // float64 [tiles], natural log
  at::Tensor symbol_marginals;  // float32 [tiles, N, 2^kV] when asked for
  at::Tensor grad_w;            // float32 [tiles, n] when grad is defined
};

// w: float32 [tiles, n] on a CUDA device, contiguous. overlap: undefined (free boundary) or int32
// [tiles] on w's device with values in [0, 2^(L-kV)).
ViterbiTensors viterbi_cuda_tensors(const at::Tensor& w, const TrellisShapeArg& shape, const CodeArg& code,
                                    const at::Tensor& overlap);

// grad: undefined (no VJP) or float32 [tiles, n] like w.
BcjrTensors bcjr_cuda_tensors(const at::Tensor& w, const at::Tensor& grad, const TrellisShapeArg& shape,
                              const CodeArg& code, double T, const at::Tensor& overlap, bool want_marginals);

// Upper bound on the workspace the kernels allocate at once (bytes); the batch of tiles per launch
// is sized to fit min(this, half the free GPU memory). Default 24 GiB; BCJR_CUDA_WORKSPACE_MB
// overrides it (tests use it to force batches that do not divide the tile count).
int64_t workspace_budget_bytes();

// The kernel variants (kernels/bcjr_sweep.cuh): BCJR_CUDA_BCJR_VARIANT picks one of
// 0 .. bcjr_variant_count() - 1 for every BCJR call (unset: bcjr_default_variant()).
int bcjr_variant_count();
int bcjr_default_variant();

// For the benchmark: base-2 exponentials per second of a register-only kernel on the current device.
double exp2_ceiling_per_second();

}  // namespace bcjr::kernels
