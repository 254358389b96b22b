// CUDA error checking for the kernels' launchers: a failed runtime call or launch becomes a
// std::runtime_error naming the statement, file and line (the engine rewraps it as bcjr::Error;
// kernels/ sits below the engine and does not include its headers).
#pragma once

#include "kernels/cuda_compat.h"

#include <stdexcept>
#include <string>

namespace bcjr::kernels {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* stmt, const char* file, int line) {
  throw std::runtime_error(std::string("CUDA error ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) +
                           ") in `" + stmt + "` at " + file + ":" + std::to_string(line));
}

}  // namespace bcjr::kernels

#define BCJR_CUDA_CHECK(stmt)                                                   \
  do {                                                                          \
    cudaError_t bcjr_cuda_err_ = (stmt);                                        \
    if (bcjr_cuda_err_ != cudaSuccess)                                          \
      ::bcjr::kernels::throw_cuda_error(bcjr_cuda_err_, #stmt, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: configuration errors show up here, not at the launch itself. `name`
// is any C string (a launcher may choose it at compile time from its template flags).
#define BCJR_CUDA_CHECK_LAUNCH(name)                                                                    \
  do {                                                                                                  \
    cudaError_t bcjr_cuda_err_ = cudaGetLastError();                                                    \
    if (bcjr_cuda_err_ != cudaSuccess)                                                                  \
      ::bcjr::kernels::throw_cuda_error(bcjr_cuda_err_, (std::string("launch of ") + (name)).c_str(), \
                                        __FILE__, __LINE__);                                            \
  } while (0)
