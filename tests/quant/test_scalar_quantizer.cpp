// The scalar baselines of the method comparison (scalar_quantizer.h): rtn's grid, idempotence and
// straight-through gradient; BBQ's equiprobable codes on Gaussian weights, its block Hadamard
// transform and its gradient (straight through the rounding only) against finite differences of
// the same function without the rounding; the snapshot file of scalar-quantised linears.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/hadamard.h"
#include "engine/quant/scalar_linear.h"
#include "engine/quant/scalar_quantizer.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;

namespace {

// E[(X - Q(X))^2] of the uniform quantiser with 2^b levels and step c for X ~ N(0, 1), by a
// fine Riemann sum (the reference for rtn_optimal_step).
double gaussian_uniform_mse(double c, int bits) {
  const int levels = 1 << bits;
  double mse = 0;
  const double dx = 1e-3;
  for (double x = -8; x <= 8; x += dx) {
    double q = std::floor(x / c) + levels / 2;
    q = std::min(std::max(q, 0.0), double(levels - 1));
    const double y = (q - 0.5 * (levels - 1)) * c;
    mse += (x - y) * (x - y) * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI) * dx;
  }
  return mse;
}

}  // namespace

TEST(Rtn, OptimalStepMinimisesTheGaussianMse) {
  for (int bits = 1; bits <= 4; ++bits) {
    const double c = rtn_optimal_step(bits);
    const double at = gaussian_uniform_mse(c, bits);
    EXPECT_LT(at, gaussian_uniform_mse(c * 1.02, bits)) << bits;
    EXPECT_LT(at, gaussian_uniform_mse(c * 0.98, bits)) << bits;
  }
  EXPECT_THROW(rtn_optimal_step(5), bcjr::Error);
}

TEST(Rtn, CodesAreTheNearestLevelAndRequantisingIsIdempotent) {
  torch::manual_seed(3);
  auto w = torch::randn({24, 40}) * torch::linspace(0.1, 2.0, 24).unsqueeze(1);
  auto s = rtn_scales(w, 2);
  EXPECT_NEAR(s[5].item<double>(), 0.9957 * w[5].pow(2).mean().sqrt().item<double>(), 1e-5);
  auto codes = rtn_codes(w, s, 2);
  auto q = rtn_dequantize(codes, s, 2);
  // Nearest of the four levels (+-1/2, +-3/2) x step, row by row.
  auto levels = torch::tensor({-1.5, -0.5, 0.5, 1.5}).unsqueeze(0).unsqueeze(0) * s.unsqueeze(1).unsqueeze(2);
  auto nearest = std::get<0>((w.unsqueeze(2) - levels).abs().min(2));
  EXPECT_LT(((w - q).abs() - nearest).abs().max().item<double>(), 1e-6);
  // rtn is idempotent: its own output (with the frozen steps) quantises to itself.
  EXPECT_TRUE(rtn_codes(q, s, 2).equal(codes));
  EXPECT_TRUE(rtn_dequantize(rtn_codes(q, s, 2), s, 2).equal(q));
}

TEST(Rtn, StraightThroughGradientIsTheIdentity) {
  torch::manual_seed(4);
  auto w = torch::randn({16, 32}).set_requires_grad(true);
  auto s = rtn_scales(w, 2);
  auto g = torch::randn({16, 32});
  auto out = rtn_weight(w, s, 2);
  EXPECT_LT((out - rtn_dequantize(rtn_codes(w, s, 2), s, 2)).abs().max().item<double>(), 1e-6);
  (out * g).sum().backward();
  EXPECT_TRUE(w.grad().equal(g));
}

TEST(Bbq, BlockIsThe128OrTheLargestPowerOfTwoDividingTheInputs) {
  EXPECT_EQ(bbq_block(1536), 128);
  EXPECT_EQ(bbq_block(576), 64);  // SmolLM2's hidden size
  EXPECT_EQ(bbq_block(32), 32);
  EXPECT_EQ(bbq_block(48), 16);
  EXPECT_EQ(bbq_block(7), 1);
}

// The transform is W times a block-diagonal orthonormal Sylvester matrix, which is symmetric: it
// keeps row RMS and is its own inverse.
TEST(Bbq, TransformIsTheBlockDiagonalHadamardAndItsOwnInverse) {
  torch::manual_seed(5);
  auto w = torch::randn({6, 256}, torch::kFloat64);
  auto h = HadamardTransform(128).dense();
  auto dense = torch::zeros({256, 256}, torch::kFloat64);
  dense.slice(0, 0, 128).slice(1, 0, 128).copy_(h);
  dense.slice(0, 128, 256).slice(1, 128, 256).copy_(h);
  auto y = bbq_transform(w, 128);
  EXPECT_LT((y - w.mm(dense.t())).abs().max().item<double>(), 1e-12);
  EXPECT_LT((bbq_transform(y, 128) - w).abs().max().item<double>(), 1e-12);
}

TEST(Bbq, CodesAreEquiprobableOnGaussianWeights) {
  torch::manual_seed(6);
  // Rows of very different scales: the per-row inverse RMS makes the codes scale-free.
  auto w = torch::randn({64, 1024}) * torch::logspace(-3, 1, 64).unsqueeze(1);
  for (int bits : {1, 2, 3}) {
    auto codes = bbq_codes(w, bbq_block(1024), bits).to(torch::kLong).reshape({-1});
    auto counts = torch::bincount(codes, {}, 1 << bits).to(torch::kFloat64) / double(codes.numel());
    const double p = 1.0 / double(1 << bits), sd = std::sqrt(p * (1 - p) / double(codes.numel()));
    for (int c = 0; c < (1 << bits); ++c)
      EXPECT_NEAR(counts[c].item<double>(), p, 5 * sd) << bits << " bits, code " << c;
  }
}

TEST(Bbq, DequantisedLevelsAreHalfStepsOfTheScaleInTheHadamardDomain) {
  torch::manual_seed(7);
  auto w = torch::randn({8, 256});
  auto s = bbq_initial_scales(w);
  EXPECT_NEAR(s[3].item<double>(), 1.694 * w[3].pow(2).mean().sqrt().item<double>(), 1e-5);
  auto codes = bbq_codes(w, 128, 2);
  auto y = bbq_transform(bbq_dequantize(codes, s, 128, 2), 128);  // back in the Hadamard domain
  auto expected = (codes.to(torch::kFloat32) - 1.5) * (s / 2).unsqueeze(1);  // +-1/2, +-3/2 x s / 2^(b-1)
  EXPECT_LT((y - expected).abs().max().item<double>(), 1e-5);
  // The forward of the student's weight is the dequantised codes.
  EXPECT_LT((bbq_weight(w, s, 128, 2) - bbq_dequantize(codes, s, 128, 2)).abs().max().item<double>(), 1e-5);
}

// Straight through the rounding only: the gradient is that of the same function with the rounding
// replaced by the identity, i.e. through the Hadamard transform, the per-row normalisation and
// the Gaussian CDF. Checked by central differences of that function in float64.
TEST(Bbq, GradientMatchesFiniteDifferencesThroughTheCdf) {
  torch::manual_seed(8);
  auto w = (torch::randn({6, 64}, torch::kFloat64) * 0.3).set_requires_grad(true);
  auto s = (bbq_initial_scales(w.detach()).to(torch::kFloat64) * 1.1).set_requires_grad(true);
  auto g = torch::randn({6, 64}, torch::kFloat64);
  (bbq_weight(w, s, 32, 2) * g).sum().backward();
  auto relaxed = [&](const torch::Tensor& ww, const torch::Tensor& ss) {
    return (bbq_weight(ww, ss, 32, 2, /*round=*/false) * g).sum().item<double>();
  };
  torch::NoGradGuard ng;
  for (int trial = 0; trial < 4; ++trial) {
    auto d = torch::randn({6, 64}, torch::kFloat64);
    const double eps = 1e-6;
    const double fd = (relaxed(w.detach() + eps * d, s.detach()) - relaxed(w.detach() - eps * d, s.detach())) / (2 * eps);
    const double an = (w.grad() * d).sum().item<double>();
    EXPECT_NEAR(an, fd, 1e-6 * (1 + std::abs(fd))) << "trial " << trial;
  }
  // The scale's gradient is that of the rounded function itself (it is linear in s).
  auto ds = torch::randn({6}, torch::kFloat64);
  auto hard = [&](const torch::Tensor& ss) { return (bbq_weight(w.detach(), ss, 32, 2) * g).sum().item<double>(); };
  const double fd = (hard(s.detach() + 1e-4 * ds) - hard(s.detach() - 1e-4 * ds)) / 2e-4;
  EXPECT_NEAR((s.grad() * ds).sum().item<double>(), fd, 1e-8 * (1 + std::abs(fd)));
  // The relaxed function is not the rounded one: the test compares what the backward pass claims.
  EXPECT_GT(std::abs(relaxed(w.detach(), s.detach()) - hard(s.detach())), 1e-3);
}

TEST(ScalarLinear, SnapshotRoundTripsAndBadFilesAreRefused) {
  bcjr::test::TempDir dir;
  torch::manual_seed(9);
  std::map<LinearKey, ScalarLinear> q;
  q[{0, "q_proj"}] = ScalarLinear::quantize(torch::randn({32, 64}), 0, "q_proj", QatMethod::Bbq, 2);
  q[{1, "down_proj"}] = ScalarLinear::quantize(torch::randn({16, 48}), 1, "down_proj", QatMethod::Rtn, 2);
  save_scalar_linears(dir.file("s.ckpt"), q);
  auto back = load_scalar_linears(dir.file("s.ckpt"));
  ASSERT_EQ(back.size(), 2u);
  for (const auto& kv : q) {
    const ScalarLinear& b = back.at(kv.first);
    EXPECT_EQ(b.method, kv.second.method);
    EXPECT_EQ(b.block, kv.second.block);
    EXPECT_TRUE(b.codes.equal(kv.second.codes));
    EXPECT_TRUE(b.dequantize().equal(kv.second.dequantize()));
  }
  EXPECT_EQ(back.at({0, "q_proj"}).block, 64);
  EXPECT_EQ(back.at({0, "q_proj"}).describe(), "bbq 2-bit, Hadamard block 64");
  // A truncated file and a file of another kind give errors naming the file.
  auto bytes = bcjr::read_file(dir.file("s.ckpt"));
  bcjr::write_file_atomic(dir.file("cut.ckpt"), bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(load_scalar_linears(dir.file("cut.ckpt")), bcjr::Error);
  EXPECT_THROW(load_scalar_linears(dir.file("missing.ckpt")), bcjr::Error);
}
