#include "engine/quant/rht.h"

#include <torch/torch.h>

#include <random>

#include "engine/core/error.h"
#include "engine/quant/seed_mix.h"

namespace bcjr::quant {
namespace {

// FNV-1a, so that the linear's name enters the seed the same way everywhere.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

}  // namespace

torch::Tensor seeded_signs(int64_t n, uint64_t seed, int64_t layer, const std::string& linear,
                           const std::string& which) {
  uint64_t state = splitmix64(seed ^ splitmix64(uint64_t(layer) ^ splitmix64(fnv1a(linear + "/" + which))));
  std::mt19937_64 rng(state);  // its output sequence is fixed by the C++ standard
  auto s = torch::empty({n}, torch::kFloat32);
  auto a = s.accessor<float, 1>();
  uint64_t bits = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i % 64 == 0) bits = rng();
    a[i] = ((bits >> (i % 64)) & 1) ? -1.f : 1.f;
  }
  return s;
}

LinearRht::LinearRht(torch::Tensor s_out, torch::Tensor s_in)
    : s_out_(s_out.to(torch::kFloat32).contiguous()),
      s_in_(s_in.to(torch::kFloat32).contiguous()),
      h_out_(s_out.numel()),
      h_in_(s_in.numel()) {
  BCJR_CHECK(s_out_.dim() == 1 && s_in_.dim() == 1, "RHT sign vectors must be one-dimensional");
  BCJR_CHECK(s_out_.abs().eq(1).all().item<bool>() && s_in_.abs().eq(1).all().item<bool>(),
             "RHT sign vectors must hold only +1 and -1");
}

LinearRht LinearRht::seeded(int64_t m, int64_t n, uint64_t seed, int64_t layer, const std::string& linear) {
  return LinearRht(seeded_signs(m, seed, layer, linear, "out"), seeded_signs(n, seed, layer, linear, "in"));
}

torch::Tensor LinearRht::forward(const torch::Tensor& w) const {
  BCJR_CHECK(w.dim() == 2 && w.size(0) == rows() && w.size(1) == cols(), "RHT of a [", rows(), ", ",
             cols(), "] linear: weight has shape ", w.sizes());
  auto x = w * s_out_.to(w.device()).unsqueeze(1) * s_in_.to(w.device()).unsqueeze(0);
  x = h_in_.apply(x);                    // rows r -> H_n r, i.e. X H_n^T
  return h_out_.apply(x.t()).t();        // columns c -> H_m c, i.e. H_m X
}

torch::Tensor LinearRht::inverse(const torch::Tensor& w_rot) const {
  BCJR_CHECK(w_rot.dim() == 2 && w_rot.size(0) == rows() && w_rot.size(1) == cols(),
             "inverse RHT of a [", rows(), ", ", cols(), "] linear: tensor has shape ", w_rot.sizes());
  auto x = h_out_.apply(w_rot.t(), /*transpose=*/true).t();  // H_m^T W~
  x = h_in_.apply(x, /*transpose=*/true);                      // (H_m^T W~) H_n
  return x * s_out_.to(x.device()).unsqueeze(1) * s_in_.to(x.device()).unsqueeze(0);
}

torch::Tensor LinearRht::rotate_hessian(const torch::Tensor& h) const {
  BCJR_CHECK(h.dim() == 2 && h.size(0) == cols() && h.size(1) == cols(), "proxy Hessian of a linear with ",
             cols(), " inputs: tensor has shape ", h.sizes());
  auto s = s_in_.to(h.device());
  auto x = h * s.unsqueeze(0) * s.unsqueeze(1);
  x = h_in_.apply(x);                 // X H_n^T
  return h_in_.apply(x.t()).t();      // H_n X H_n^T
}

}  // namespace bcjr::quant
