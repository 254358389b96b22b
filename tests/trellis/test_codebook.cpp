#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engine/core/error.h"
#include "engine/core/npy_tensor.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/deterministic_random.h"
#include "tests/support/test_support.h"

using namespace bcjr::trellis;

TEST(Codebook, ComputedCodesHaveTheirPublishedScale) {
  // Unscaled, as the formulas give them: 1mad about 1.00, 3inst about 1.24.
  EXPECT_NEAR(make_codebook("1mad", 16, 1).rms(), 1.0, 0.02);
  EXPECT_NEAR(make_codebook("3inst", 16, 1).rms(), 1.24, 0.02);
  const Codebook hyb = make_codebook("hyb", 16, 2);
  EXPECT_NEAR(hyb.rms(), 1.0, 1e-5);
  EXPECT_NEAR(make_codebook("hyb", 12, 2).rms(), 1.0, 1e-5);
}

TEST(Codebook, OneMadFollowsTheFormulaForAFewStates) {
  const Codebook cb = make_codebook("1mad", 8, 1);
  for (uint32_t s : {0u, 1u, 77u, 255u}) {
    const uint32_t x = 34038481u * s + 76625530u;
    const int y = int(x & 255) + int((x >> 8) & 255) + int((x >> 16) & 255) + int(x >> 24);
    EXPECT_FLOAT_EQ(cb.table[s], float((y - 510) / 147.800537109375));
  }
}

TEST(Codebook, HybTableIsTheLutWithQtipsSignFlip) {
  const Codebook cb = make_codebook("hyb", 10, 2, 7);
  ASSERT_EQ(cb.lut.size(), size_t(kHybLutSize) * 2);
  for (uint32_t s = 0; s < 1024; ++s) {
    const uint32_t x = s * (s + 1);
    const uint32_t idx = (x >> 6) & 511;
    const float sign = (x >> 15) & 1 ? -1.0f : 1.0f;
    ASSERT_EQ(cb.table[2 * s], sign * cb.lut[2 * idx]);
    ASSERT_EQ(cb.table[2 * s + 1], cb.lut[2 * idx + 1]);
  }
  const Codebook again = hyb_codebook_from_lut(cb.lut, 10, 7);
  EXPECT_EQ(again.table, cb.table);
}

TEST(Codebook, HybLutIsDeterministicAndDependsOnTheSeed) {
  EXPECT_EQ(hyb_kmeans_lut(3), hyb_kmeans_lut(3));
  EXPECT_NE(hyb_kmeans_lut(3), hyb_kmeans_lut(4));
}

// A k-means fixed point: each centroid is (close to) the mean of the normal mass in its cell,
// checked with fresh samples from another generator.
TEST(Codebook, HybLutCentroidsAreTheMeansOfTheirVoronoiCells) {
  auto lut = hyb_kmeans_lut(0);
  std::mt19937_64 rng(std::random_device{}());
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<double> sx(kHybLutSize, 0), sy(kHybLutSize, 0);
  std::vector<int> cnt(kHybLutSize, 0);
  for (int i = 0; i < 200000; ++i) {
    const double x = nd(rng), y = nd(rng);
    int best = 0;
    double bd = 1e300;
    for (int c = 0; c < kHybLutSize; ++c) {
      const double d = (x - lut[2 * c]) * (x - lut[2 * c]) + (y - lut[2 * c + 1]) * (y - lut[2 * c + 1]);
      if (d < bd) {
        bd = d;
        best = c;
      }
    }
    sx[best] += x;
    sy[best] += y;
    ++cnt[best];
  }
  double err = 0;
  int used = 0;
  for (int c = 0; c < kHybLutSize; ++c)
    if (cnt[c] >= 100) {
      err += std::hypot(sx[c] / cnt[c] - lut[2 * c], sy[c] / cnt[c] - lut[2 * c + 1]);
      ++used;
    }
  EXPECT_GT(used, 400);
  EXPECT_LT(err / used, 0.02);
}

// Guards bit-identical LUTs across platforms and builds: a change in the RNG, the log, the
// k-means or the compiler's float handling changes this hash, and every saved run with it.
TEST(Codebook, HybLutForSeedZeroIsBitIdenticalToTheRecordedOne) {
  auto lut = hyb_kmeans_lut(0);
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the float bits
  for (float v : lut) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    for (int i = 0; i < 4; ++i) {
      h ^= (b >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  }
  EXPECT_EQ(h, 0xa07cdb131e37f18cull) << std::hex << "hash 0x" << h;
}

TEST(Codebook, DeterministicLogMatchesLibmClosely) {
  for (double x : {1e-300, 1e-10, 0.01, 0.3, 0.7071, 1.0, 1.5, 2.0, 123.456, 1e300})
    EXPECT_NEAR(deterministic_log(x), std::log(x), 4e-16 * std::max(1.0, std::abs(std::log(x)))) << x;
}

TEST(Codebook, LutFromNpyIsCheckedForShapeDtypeAndValues) {
  bcjr::test::TempDir dir;
  auto t = torch::randn({16, 2});
  bcjr::save_npy_tensor(dir.file("ok.npy"), t);
  const Codebook cb = codebook_from_npy(dir.file("ok.npy"), 4, 2);
  EXPECT_EQ(cb.code, "lut");
  EXPECT_TRUE(torch::equal(cb.table_tensor(), t));
  bcjr::save_npy_tensor(dir.file("d.npy"), t.to(torch::kFloat64));
  EXPECT_TRUE(torch::allclose(codebook_from_npy(dir.file("d.npy"), 4, 2).table_tensor(), t));
  EXPECT_THROW(codebook_from_npy(dir.file("ok.npy"), 5, 2), bcjr::Error);
  EXPECT_THROW(codebook_from_npy(dir.file("ok.npy"), 4, 1), bcjr::Error);
  bcjr::save_npy_tensor(dir.file("i.npy"), torch::zeros({16, 2}, torch::kInt32));
  EXPECT_THROW(codebook_from_npy(dir.file("i.npy"), 4, 2), bcjr::Error);
  t[3][1] = NAN;
  bcjr::save_npy_tensor(dir.file("nan.npy"), t);
  EXPECT_THROW(codebook_from_npy(dir.file("nan.npy"), 4, 2), bcjr::Error);
  EXPECT_THROW(codebook_from_npy(dir.file("missing.npy"), 4, 2), bcjr::Error);
}

TEST(Codebook, UnknownCodesAndWrongVAreErrors) {
  EXPECT_THROW(make_codebook("2mad", 8, 1), bcjr::Error);
  EXPECT_THROW(make_codebook("1mad", 8, 2), bcjr::Error);
  EXPECT_THROW(make_codebook("hyb", 8, 1), bcjr::Error);
  EXPECT_THROW(make_codebook("hyb", 17, 2), bcjr::Error);
  EXPECT_THROW(make_codebook("3inst", 1, 1), bcjr::Error);
}
