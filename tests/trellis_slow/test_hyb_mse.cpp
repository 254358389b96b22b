#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstdio>
#include <random>

#include "engine/trellis/codebook.h"
#include "engine/trellis/viterbi.h"

using namespace bcjr::trellis;

// QTIP's figure for its HYB code: MSE about 0.068 on i.i.d. N(0,1) at 2 bits, L=16, V=2, tail-biting
// (the rate-distortion bound is 0.063). Ours, with our own seeded LUT, must be at most 0.070.
TEST(HybCode, ViterbiMseOnGaussianWeightsAtTwoBitsIsAtMost0070) {
  TrellisSpec spec{16, 2, 2, 256};
  const Codebook cb = make_codebook("hyb", 16, 2, 0);
  std::random_device rd;
  const uint64_t seed = (uint64_t(rd()) << 32) ^ rd();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  auto w = torch::empty({128, spec.n});
  for (int64_t i = 0; i < w.numel(); ++i) w.data_ptr<float>()[i] = nd(rng);
  auto q = viterbi(w, spec, cb, Boundary::TailBiting);
  EXPECT_EQ(q.method, "tailbiting-qtip-2pass");
  const double mse = (q.codeword - w).pow(2).mean().item<double>();
  std::printf("hyb L=16 k=2 V=2 n=256 tail-biting (%s): MSE %.4f over %lld weights\n", q.method.c_str(), mse,
              (long long)w.numel());
  EXPECT_LE(mse, 0.070);
  EXPECT_GE(mse, 0.063);  // below the rate-distortion bound would mean a broken measurement
}
