// .npy files as LibTorch tensors, for the command line and the tests.
#pragma once

#include <torch/types.h>

#include <string>

namespace bcjr {

// Reads a .npy file into a CPU tensor of the matching dtype.
torch::Tensor load_npy_tensor(const std::string& path);
// Writes a tensor (any device, made contiguous on the CPU) as .npy, atomically.
void save_npy_tensor(const std::string& path, const torch::Tensor& t);

}  // namespace bcjr
