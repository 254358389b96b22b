// Cancellation inside the trellis computations (engine/core/cancel.h): checks come at least every
// ~2^20 state transitions inside a sweep, whatever L and kV, so a cancel is observed within a
// bounded amount of work; a cancel at a given check stops the batch; the chunked GPU path (run here
// with the CPU primitive) gives the same bits as one call; the soft quantiser's backward runs under
// the token of its forward, even on another thread. Work is counted in checks, never timed.
#include <gtest/gtest.h>

#include <thread>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/device_chunks.h"
#include "engine/trellis/soft_quantize.h"
#include "engine/trellis/tile_posterior.h"
#include "engine/trellis/tile_solvers.h"
#include "engine/trellis/trellis_primitives.h"
#include "engine/trellis/viterbi.h"
#include "tests/trellis/test_support_trellis.h"

using namespace bcjr::trellis;
using namespace bcjr::trellis::testing;
using bcjr::CancelScope;
using bcjr::CancelToken;

namespace {

// State transitions of one sweep over one tile.
double sweep_work(const TrellisSpec& spec) { return double(spec.steps()) * double(spec.states()) * spec.symbols(); }

struct Counted {
  std::shared_ptr<CancelToken> token = std::make_shared<CancelToken>();
  int64_t run(const std::function<void()>& f) {
    CancelScope scope(token);
    f();
    return token->checks();
  }
};

}  // namespace

TEST(CancelInTrellis, ChecksComeWithinABoundedAmountOfWork) {
  std::mt19937_64 rng(5);
  // Large and small trellises, both boundaries; 2^(L-kV) = 64 overlaps for exact tail-biting at L=10.
  const std::vector<std::pair<TrellisSpec, Boundary>> cases = {
      {TrellisSpec{12, 2, 1, 256}, Boundary::Free},
      {TrellisSpec{10, 2, 2, 256}, Boundary::TailBiting},
      {TrellisSpec{14, 3, 2, 64}, Boundary::Free},
      {TrellisSpec{16, 2, 2, 16}, Boundary::TailBiting},
  };
  for (const auto& [spec, boundary] : cases) {
    SCOPED_TRACE(spec.describe() + " " + boundary_name(boundary));
    const Codebook cb = codebook_for("lut", spec.L, spec.V, rng);
    auto w = random_weights(2, spec.n, cb, rng);
    auto g = random_weights(2, spec.n, cb, rng);
    BcjrOptions opt;
    opt.T = 0.1;
    opt.boundary = boundary;
    const bool exact = boundary == Boundary::TailBiting && spec.overlaps() <= kMaxExactOverlaps;
    const double overlaps = exact ? double(spec.overlaps()) : 1.0;
    // A BCJR solve is a forward and a backward sweep; its VJP the same, with tangents.
    const double bcjr_work = 2 * 2 * overlaps * sweep_work(spec);
    int64_t checks = Counted().run([&] { bcjr_vjp(w, g, spec, cb, opt); });
    EXPECT_GE(double(checks) * double(1 << 21), bcjr_work) << "BCJR VJP: " << checks << " checks";
    const double viterbi_work = 2 * overlaps * sweep_work(spec);
    checks = Counted().run([&] { viterbi(w, spec, cb, boundary); });
    EXPECT_GE(double(checks) * double(1 << 21), viterbi_work) << "Viterbi: " << checks << " checks";
  }
  // The stride: one check per step at the largest trellis, at most every 1024 steps.
  EXPECT_EQ(cancel_check_stride(TrellisSpec{16, 2, 2, 256}), 1);
  EXPECT_EQ(cancel_check_stride(TrellisSpec{12, 2, 1, 256}), 64);
  EXPECT_EQ(cancel_check_stride(TrellisSpec{2, 1, 1, 256}), 1024);
}

TEST(CancelInTrellis, ACancelAtACheckStopsTheBatch) {
  std::mt19937_64 rng(6);
  const TrellisSpec spec{10, 2, 2, 256};
  const Codebook cb = codebook_for("lut", spec.L, spec.V, rng);
  auto w = random_weights(40, spec.n, cb, rng);
  BcjrOptions opt;
  opt.T = 0.2;
  opt.boundary = Boundary::TailBiting;  // exact: 64 overlaps
  for (int threads : {1, 2}) {
    bcjr::set_thread_count(threads);
    auto token = std::make_shared<CancelToken>();
    token->set_check_hook([&token](int64_t n) {
      if (n == 10) token->cancel();
    });
    CancelScope scope(token);
    EXPECT_THROW(bcjr_forward(w, spec, cb, opt), bcjr::Cancelled) << threads;
    EXPECT_LE(token->checks(), 10 + threads - 1) << threads;  // every later check throws
  }
  bcjr::set_thread_count(0);
  // One tile's posterior, the studio's view: exact over 64 overlaps, stopped the same way.
  auto token = std::make_shared<CancelToken>();
  token->set_check_hook([&token](int64_t n) {
    if (n == 3) token->cancel();
  });
  CancelScope scope(token);
  std::vector<float> tile(w.data_ptr<float>(), w.data_ptr<float>() + spec.n);
  EXPECT_THROW(tile_posterior(tile, spec, cb, opt), bcjr::Cancelled);
  EXPECT_EQ(token->checks(), 3);
}

// The GPU path splits tiles into chunks with a check before each; the kernels, like the CPU
// primitive used here, treat tiles independently, so the pieces put together are the same bits.
TEST(CancelInTrellis, ChunkedBatchesEqualOneCallBitForBit) {
  std::mt19937_64 rng(7);
  const TrellisSpec spec{8, 2, 2, 64};
  const Codebook cb = codebook_for("lut", spec.L, spec.V, rng);
  auto w = random_weights(10, spec.n, cb, rng);
  auto g = random_weights(10, spec.n, cb, rng);
  auto overlap = torch::randint(0, spec.overlaps(), {10}, torch::kInt32);
  const SoftBatch whole = bcjr_cpu(w, spec, cb, 0.3, overlap, g, true);
  Counted counted;
  SoftBatch parts;
  const int64_t checks = counted.run([&] {
    parts = in_chunks(10, 3, [&](int64_t b, int64_t e) {
      return bcjr_cpu(w.slice(0, b, e).contiguous(), spec, cb, 0.3, overlap.slice(0, b, e), g.slice(0, b, e).contiguous(),
                      true);
    });
  });
  EXPECT_GE(checks, 4);  // 4 chunks, a check before each
  EXPECT_TRUE(torch::equal(parts.codeword, whole.codeword));
  EXPECT_TRUE(torch::equal(parts.log_z, whole.log_z));
  EXPECT_TRUE(torch::equal(parts.symbol_marginals, whole.symbol_marginals));
  EXPECT_TRUE(torch::equal(parts.grad_w, whole.grad_w));
  const PathBatch vw = viterbi_cpu(w, spec, cb, at::Tensor());
  const PathBatch vp = in_chunks(10, 4, [&](int64_t b, int64_t e) {
    return viterbi_cpu(w.slice(0, b, e).contiguous(), spec, cb, at::Tensor());
  });
  EXPECT_TRUE(torch::equal(vp.states, vw.states));
  EXPECT_TRUE(torch::equal(vp.energy, vw.energy));
  // A cancel between chunks stops before the next chunk starts.
  auto token = std::make_shared<CancelToken>();
  int chunks = 0;
  CancelScope scope(token);
  EXPECT_THROW(in_chunks(10, 3,
                         [&](int64_t b, int64_t e) {
                           if (++chunks == 2) token->cancel();
                           return viterbi_cpu(w.slice(0, b, e).contiguous(), spec, cb, at::Tensor());
                         }),
               bcjr::Cancelled);
  EXPECT_EQ(chunks, 2);
  // The chunk size: about 2^37 transitions a sweep, so 1024 tiles at L=16, kV=4.
  EXPECT_EQ(device_chunk_tiles(TrellisSpec{16, 2, 2, 256}), 1024);
  EXPECT_EQ(device_chunk_tiles(TrellisSpec{8, 2, 2, 256}), int64_t(1) << 18);
}

// LibTorch may run a backward on another thread (a device thread for CUDA tensors): the soft
// quantiser takes its forward's token along, so the VJP checks it wherever it runs; a cancel there
// reaches the caller of backward() (LibTorch rethrows it, so the caller asks the token).
TEST(CancelInTrellis, SoftQuantizeBackwardRunsUnderItsForwardsToken) {
  std::mt19937_64 rng(8);
  const TrellisSpec spec{10, 2, 2, 256};
  auto cb = std::make_shared<const Codebook>(codebook_for("lut", spec.L, spec.V, rng));
  auto w = random_weights(3, spec.n, *cb, rng).set_requires_grad(true);
  auto token = std::make_shared<CancelToken>();
  torch::Tensor loss;
  {
    CancelScope scope(token);
    loss = (soft_quantize(w, spec, cb, Boundary::TailBiting, 0.2) * 1.5).sum();
  }
  const int64_t after_forward = token->checks();
  EXPECT_GT(after_forward, 0);
  std::thread([&] { loss.backward(); }).join();  // no token on this thread
  EXPECT_GT(token->checks(), after_forward);
  ASSERT_TRUE(w.grad().defined());

  // A cancel inside the VJP.
  w.mutable_grad() = torch::Tensor();
  token = std::make_shared<CancelToken>();
  {
    CancelScope scope(token);
    loss = soft_quantize(w, spec, cb, Boundary::TailBiting, 0.2).sum();
  }
  const int64_t at = token->checks() + 5;
  token->set_check_hook([&token, at](int64_t n) {
    if (n == at) token->cancel();
  });
  bool threw = false;
  try {
    loss.backward();
  } catch (const std::exception& e) {
    threw = true;
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(threw);
  EXPECT_TRUE(token->cancelled());
}
