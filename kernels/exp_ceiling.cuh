// A measured ceiling for the benchmark: how many base-2 exponentials (the MUFU.EX2 unit that the
// BCJR sweeps lean on) the GPU computes per second when nothing else is in the way.
#pragma once

#include <cuda_runtime.h>

namespace bcjr::kernels {

// Runs a register-only exp2 kernel that fills the device and returns exp2 per second.
double measure_exp2_per_second(cudaStream_t stream);

}  // namespace bcjr::kernels
