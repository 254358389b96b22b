#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstdio>
#include <random>

#include "engine/trellis/codebook.h"
#include "engine/trellis/viterbi.h"

using namespace bcjr::trellis;

// The hyb code at the paper's setting (L=16, k=2, V=2, n=256) on i.i.d. N(0,1) weights, normalised
// units, fresh weights every run. QTIP reports about 0.068; the rate-distortion bound is 0.063.
//
// Measured with our seeded k-means LUT (2-core Debian 12 CPU, 32,768 weights per run):
//   free boundary           0.0675 (+-0.0005 run to run): QTIP's figure
//   tail-biting (2-pass)    0.0701-0.0711
// Tail-biting stores exactly k bits per weight (512 bits a tile) where a free boundary needs
// L-kV = 12 bits more; the distortion-rate slope puts that at about 0.003, the gap seen here. Tuning
// the LUT on the trellis (Lloyd steps through Viterbi at L=10..16) moved tail-biting to 0.0701 at
// best. Issue 3 asks for <= 0.070 tail-biting: NOT met; these tests guard what we reach.
namespace {
double hyb_mse(Boundary boundary, const char* expected_method) {
  TrellisSpec spec{16, 2, 2, 256};
  const Codebook cb = make_codebook("hyb", 16, 2, 0);
  std::random_device rd;
  const uint64_t seed = (uint64_t(rd()) << 32) ^ rd();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  auto w = torch::empty({128, spec.n});
  for (int64_t i = 0; i < w.numel(); ++i) w.data_ptr<float>()[i] = nd(rng);
  auto q = viterbi(w, spec, cb, boundary);
  EXPECT_EQ(q.method, expected_method);
  const double mse = (q.codeword - w).pow(2).mean().item<double>();
  std::printf("hyb L=16 k=2 V=2 n=256 %s: MSE %.4f over %lld weights\n", q.method.c_str(), mse,
              (long long)w.numel());
  EXPECT_GE(mse, 0.063);  // below the rate-distortion bound would mean a broken measurement
  return mse;
}
}  // namespace

TEST(HybCode, FreeBoundaryMseOnGaussianWeightsMatchesQtip) {
  EXPECT_LE(hyb_mse(Boundary::Free, "free"), 0.069);
}

TEST(HybCode, TailBitingMseOnGaussianWeightsStaysWithin0715) {
  EXPECT_LE(hyb_mse(Boundary::TailBiting, "tailbiting-qtip-2pass"), 0.0715);
}
