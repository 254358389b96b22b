#include "engine/core/npy_tensor.h"

#include <torch/torch.h>

#include <cstring>

#include "engine/core/error.h"
#include "engine/core/npy.h"

namespace bcjr {

namespace {
torch::Dtype dtype_of(const std::string& path, const std::string& d) {
  if (d == "<f4") return torch::kFloat32;
  if (d == "<f8") return torch::kFloat64;
  if (d == "<f2") return torch::kFloat16;
  if (d == "<i4") return torch::kInt32;
  if (d == "<i8") return torch::kInt64;
  if (d == "<i2") return torch::kInt16;
  if (d == "|i1") return torch::kInt8;
  if (d == "|u1") return torch::kUInt8;
  if (d == "|b1") return torch::kBool;
  fail(path, ": .npy dtype ", d, " has no tensor equivalent here");
}

std::string descr_of(torch::Dtype t) {
  switch (t) {
    case torch::kFloat32: return "<f4";
    case torch::kFloat64: return "<f8";
    case torch::kFloat16: return "<f2";
    case torch::kInt32: return "<i4";
    case torch::kInt64: return "<i8";
    case torch::kInt16: return "<i2";
    case torch::kInt8: return "|i1";
    case torch::kUInt8: return "|u1";
    case torch::kBool: return "|b1";
    default: fail("cannot write tensor of dtype ", c10::toString(t), " as .npy");
  }
}
}  // namespace

torch::Tensor load_npy_tensor(const std::string& path) {
  NpyArray a = read_npy(path);
  auto t = torch::empty(a.shape, torch::TensorOptions().dtype(dtype_of(path, a.descr)));
  if (!a.data.empty()) std::memcpy(t.data_ptr(), a.data.data(), a.data.size());
  return t;
}

void save_npy_tensor(const std::string& path, const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU).contiguous();
  NpyArray a;
  a.descr = descr_of(c.scalar_type());
  a.shape.assign(c.sizes().begin(), c.sizes().end());
  a.data.resize(c.numel() * c.element_size());
  if (!a.data.empty()) std::memcpy(a.data.data(), c.data_ptr(), a.data.size());
  write_npy(path, a);
}

}  // namespace bcjr
