#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "engine/trellis/codebook.h"
#include "engine/trellis/viterbi.h"

using namespace bcjr::trellis;

// The hyb code at the paper's setting (L=16, k=2, V=2, n=256) on i.i.d. N(0,1) weights, normalised
// units, fresh weights every run. QTIP reports about 0.068; the rate-distortion bound is 0.063.
//
// Measured with our seeded k-means LUT (2-core Debian 12 CPU; +- is one standard error):
//   free boundary           0.0678 +- 0.0001 (4,864 tiles over 6 runs): QTIP's figure
//   tail-biting (2-pass)    0.0704 +- 0.0001 (5,120 tiles over 7 runs; runs of 1,024 tiles
//                           gave 0.0701 and 0.0705, one of 2,048 tiles 0.0707)
// Tail-biting stores exactly k bits per weight (512 bits a tile) where a free boundary needs
// L-kV = 12 bits more. The gap is that rate, not the two-pass heuristic or the LUT:
// - exact tail-biting at L=16 (branch and bound over the overlaps, probe code, not kept) is
//   0.0001 below two-pass (2 x 128 tiles, for about 30 more passes a tile); at L=8, 10, 12
//   two-pass is exact in 256, 256, 253 of 256 tiles;
//   free to exact tail-biting costs 0.0011, 0.0014, 0.0019 at L=8, 10, 12, 0.0026 at L=16: it
//   grows with the L-kV overlap bits.
// - LUT seeds 0-4 agree within 0.0001; k-means on 2^15..2^20 samples within 0.00015; scaling the
//   codebook by 0.95..1.04 gains at most 0.0001 (QTIP's LUT std 0.968 loses 0.0003); tuning the
//   LUT on the trellis (Lloyd steps through Viterbi) reached 0.0701 on one run.
// Issue 3 asks for <= 0.070 tail-biting: NOT met; these tests guard what we reach. A tile's MSE
// has a standard deviation of about 0.0066, so 1,024 tiles a run (+- 0.0002) keep both upper limits
// 5 standard errors above the means; with the former 128 tiles (+- 0.0006) this spread predicts
// about one run in 30 over the 0.0715 limit.
namespace {
double hyb_mse(Boundary boundary, const char* expected_method) {
  TrellisSpec spec{16, 2, 2, 256};
  const Codebook cb = make_codebook("hyb", 16, 2, 0);
  std::random_device rd;
  const uint64_t seed = (uint64_t(rd()) << 32) ^ rd();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  auto w = torch::empty({1024, spec.n});
  for (int64_t i = 0; i < w.numel(); ++i) w.data_ptr<float>()[i] = nd(rng);
  auto q = viterbi(w, spec, cb, boundary);
  EXPECT_EQ(q.method, expected_method);
  const auto per_tile = (q.codeword - w).pow(2).mean(1).to(torch::kFloat64);
  const double mse = per_tile.mean().item<double>();
  const double se = per_tile.std().item<double>() / std::sqrt(double(per_tile.numel()));
  std::printf("hyb L=16 k=2 V=2 n=256 %s: MSE %.4f +- %.4f over %lld weights\n", q.method.c_str(), mse, se,
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
