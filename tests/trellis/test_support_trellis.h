// Shared set-up for the trellis tests: the tiny trellises enumerated exhaustively, codebooks for
// each code, and random weight tiles at the codebook's scale.
#pragma once

#include <torch/torch.h>

#include <random>
#include <string>
#include <vector>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis::testing {

struct TinyCase {
  TrellisSpec spec;
  std::string code;  // "1mad", "3inst", "hyb" or "lut" (random table)
};

// Every code, V = 1 and 2, k = 1..3, and the edge kV = L (a single predecessor group).
inline std::vector<TinyCase> tiny_cases() {
  std::vector<TinyCase> out;
  auto add = [&](int L, int k, int V, int n, std::vector<std::string> codes) {
    for (auto& c : codes) out.push_back({TrellisSpec{L, k, V, n}, c});
  };
  add(4, 1, 1, 6, {"1mad", "3inst", "lut"});
  add(4, 2, 1, 4, {"1mad", "lut"});
  add(5, 3, 1, 3, {"3inst", "lut"});
  add(4, 1, 2, 8, {"hyb", "lut"});
  add(5, 2, 2, 6, {"hyb", "lut"});
  add(6, 3, 2, 4, {"lut"});
  return out;
}

inline Codebook codebook_for(const std::string& code, int L, int V, std::mt19937_64& rng) {
  if (code != "lut") return make_codebook(code, L, V, 0);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> t(size_t(1) << L);
  t.resize(t.size() * V);
  for (float& v : t) v = nd(rng);
  return codebook_from_table(std::move(t), L, V, "random test table");
}

// Weights at 0.9 x the codebook RMS (the normalisation QTIP uses).
inline torch::Tensor random_weights(int64_t tiles, int n, const Codebook& cb, std::mt19937_64& rng) {
  std::normal_distribution<float> nd(0.0f, 0.9f * cb.rms());
  auto w = torch::empty({tiles, n}, torch::kFloat32);
  float* p = w.data_ptr<float>();
  for (int64_t i = 0; i < w.numel(); ++i) p[i] = nd(rng);
  return w;
}

inline double max_abs_diff(const float* a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < b.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}

inline double max_abs(const std::vector<double>& b) {
  double m = 0;
  for (double v : b) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace bcjr::trellis::testing
