// Where the kernels meet CUDA: the runtime header, kernel launches and dynamic shared memory,
// or, with BCJR_KERNEL_EMULATION defined, a CPU emulation of them (kernels/emulation/) so that
// the CPU test suite runs the very same kernel code on machines without a GPU.
#pragma once

#ifdef BCJR_KERNEL_EMULATION
#include "kernels/emulation/cuda_emulation.h"
#define BCJR_LAUNCH(kernel, grid, block, smem, stream, ...) \
  ::bcjr_emu::launch(kernel, unsigned(grid), unsigned(block), size_t(smem), __VA_ARGS__)
#define BCJR_DYNAMIC_SHARED(type, name) type* name = ::bcjr_emu::dynamic_shared<type>()
#else
#include <cuda_runtime.h>
#define BCJR_LAUNCH(kernel, grid, block, smem, stream, ...)       \
  do {                                                            \
    auto* bcjr_kernel_ptr_ = kernel;                              \
    bcjr_kernel_ptr_<<<grid, block, smem, stream>>>(__VA_ARGS__); \
  } while (0)
#define BCJR_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif
