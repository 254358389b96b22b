// Shared by the kernel parity tests (tests/gpu on the device, tests/kernels_emulated on the CPU):
// a trellis case (shape, code, tile count), fresh seeds, codebooks and error measures.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::test {

struct TrellisCase {
  int L, k, V;
  std::string code;  // 1mad, 3inst, hyb, or lut (a random table)
  int n, tiles;
  std::string name() const {
    return "L=" + std::to_string(L) + " k=" + std::to_string(k) + " V=" + std::to_string(V) + " " + code +
           " n=" + std::to_string(n) + " tiles=" + std::to_string(tiles);
  }
  trellis::TrellisSpec spec() const {
    trellis::TrellisSpec s;
    s.L = L;
    s.k = k;
    s.V = V;
    s.n = n;
    return s;
  }
};

// A new seed each call (printed by the tests so that a failure can be replayed).
inline uint64_t fresh_seed() {
  static std::random_device rd;
  return (uint64_t(rd()) << 32) ^ rd();
}

inline trellis::Codebook case_codebook(const TrellisCase& c, uint64_t seed) {
  if (c.code != "lut") return trellis::make_codebook(c.code, c.L, c.V, 0);  // hyb LUTs are cached per seed
  torch::manual_seed(seed);
  auto t = torch::randn({int64_t(1) << c.L, c.V});
  return trellis::codebook_from_table(std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel()), c.L,
                                      c.V, "random test table");
}

inline double rel_err(const torch::Tensor& a, const torch::Tensor& b) {
  const double d = (a.to(torch::kDouble) - b.to(torch::kDouble)).norm().item<double>();
  return d / std::max(1e-30, b.to(torch::kDouble).norm().item<double>());
}

// ||a - b|| relative to ||b||, with an absolute floor: a gradient can be ~0 for a nearly
// deterministic tile, where a purely relative measure compares rounding noise with noise.
inline double rel_err_floor(const torch::Tensor& a, const torch::Tensor& b, double floor) {
  const double d = (a.to(torch::kDouble) - b.to(torch::kDouble)).norm().item<double>();
  return d / std::max(floor, b.to(torch::kDouble).norm().item<double>());
}

}  // namespace bcjr::test
