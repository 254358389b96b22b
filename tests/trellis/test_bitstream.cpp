#include <gtest/gtest.h>

#include <torch/torch.h>

#include <random>

#include "engine/core/error.h"
#include "engine/trellis/bitstream.h"
#include "engine/trellis/viterbi.h"
#include "tests/trellis/test_support_trellis.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::trellis;

namespace {

// Random circular bitstreams turned into states by reading the windows directly.
torch::Tensor random_tailbiting_states(const TrellisSpec& spec, int64_t tiles, std::mt19937_64& rng) {
  const int64_t nbits = int64_t(spec.n) * spec.k;
  auto states = torch::empty({tiles, spec.steps()}, torch::kInt32);
  for (int64_t i = 0; i < tiles; ++i) {
    std::vector<int> bits(nbits);
    for (auto& b : bits) b = int(rng() & 1);
    for (int t = 0; t < spec.steps(); ++t) {
      int s = 0;
      for (int b = 0; b < spec.L; ++b) s = (s << 1) | bits[(int64_t(t) * spec.kv() + b) % nbits];
      states[i][t] = s;
    }
  }
  return states;
}

}  // namespace

TEST(Bitstream, RoundTripsRandomTailBitingPathsExactly) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (TrellisSpec spec : {TrellisSpec{16, 2, 2, 256}, TrellisSpec{12, 3, 1, 64}, TrellisSpec{6, 1, 1, 10},
                           TrellisSpec{8, 4, 2, 6}, TrellisSpec{5, 1, 2, 6}}) {
    SCOPED_TRACE(spec.describe());
    auto states = random_tailbiting_states(spec, 5, rng);
    auto bits = pack_bitstream(states, spec);
    EXPECT_EQ(bits.size(1), bitstream_words(spec));
    EXPECT_EQ(bits.size(1), (spec.n * spec.k + 15) / 16);
    EXPECT_LE(bits.max().item<int>(), 0xFFFF);
    EXPECT_TRUE(torch::equal(unpack_bitstream(bits, spec), states));
    // The same words as int16 (how a uint16 safetensors blob reads into a signed tensor).
    auto as16 = bits.to(torch::kInt16);
    EXPECT_TRUE(torch::equal(unpack_bitstream(as16, spec), states));
  }
}

TEST(Bitstream, FirstWordHoldsTheFirstStateMostSignificantBitFirst) {
  TrellisSpec spec{16, 2, 2, 256};
  // State 0 is the first 16 bits: pack a path whose stream starts 0xBEEF and check word 0.
  std::vector<int> bits(512, 0);
  for (int b = 0; b < 16; ++b) bits[b] = (0xBEEF >> (15 - b)) & 1;
  auto states = torch::empty({1, spec.steps()}, torch::kInt32);
  for (int t = 0; t < spec.steps(); ++t) {
    int s = 0;
    for (int b = 0; b < 16; ++b) s = (s << 1) | bits[(t * 4 + b) % 512];
    states[0][t] = s;
  }
  EXPECT_EQ(states[0][0].item<int>(), 0xBEEF);
  auto packed = pack_bitstream(states, spec);
  EXPECT_EQ(packed[0][0].item<int>(), 0xBEEF);
  EXPECT_EQ(packed.slice(1, 1).abs().sum().item<int>(), 0);
}

TEST(Bitstream, ViterbiTailBitingPathsPackAndDecodeToTheirWeights) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TrellisSpec spec{10, 2, 2, 32};
  const Codebook cb = make_codebook("hyb", 10, 2);
  auto w = bcjr::trellis::testing::random_weights(6, spec.n, cb, rng);
  auto q = viterbi(w, spec, cb, Boundary::TailBiting);
  auto bits = pack_bitstream(q.states, spec);
  EXPECT_TRUE(torch::equal(decode_bitstream(bits, spec, cb), q.codeword));
}

TEST(Bitstream, RejectsPathsThatAreNotTailBitingAndBadWords) {
  TrellisSpec spec{6, 1, 1, 10};
  std::mt19937_64 rng(1);
  auto states = random_tailbiting_states(spec, 2, rng);
  auto broken = states.clone();
  broken[1][4] = (broken[1][4].item<int>() + 8) % 64;  // a high bit that the previous state fixed
  try {
    pack_bitstream(broken, spec);
    FAIL() << "accepted a broken path";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("tile 1"), std::string::npos) << e.what();
  }
  auto bits = pack_bitstream(states, spec);
  EXPECT_THROW(unpack_bitstream(bits.slice(1, 0, 0), spec), bcjr::Error);
  auto bad = bits.clone();
  bad[0][0] = 70000;
  EXPECT_THROW(unpack_bitstream(bad, spec), bcjr::Error);
  bad = bits.clone();
  bad[0][0] = bad[0][0].item<int>() | 1;  // 10 bits used of 16: the padding must be zero
  EXPECT_THROW(unpack_bitstream(bad, spec), bcjr::Error);
  EXPECT_THROW(pack_bitstream(states, TrellisSpec{12, 1, 1, 10}), bcjr::Error);  // n*k < L
}
