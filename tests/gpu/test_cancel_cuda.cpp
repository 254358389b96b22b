// Cancellation on the GPU path (engine/trellis/device_chunks.h): the tiles go to the kernels in
// chunks with a check before each and a wait after it, with results equal bit for bit to one
// launch; a cancel stops before the next chunk; the soft quantiser's backward, which LibTorch runs
// on its CUDA device thread, checks the token of its forward, and a cancel there reaches the caller.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/device_chunks.h"
#include "engine/trellis/soft_quantize.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::trellis {
namespace {

torch::Device cuda() { return torch::Device(torch::kCUDA, 0); }

struct Case {
  TrellisSpec spec;
  Boundary boundary;
};

}  // namespace

TEST(CancelCuda, ChunkedLaunchesGiveTheSameBits) {
  for (const Case& c : {Case{{16, 2, 2, 256}, Boundary::TailBiting}, Case{{10, 2, 2, 256}, Boundary::TailBiting},
                        Case{{12, 2, 1, 256}, Boundary::Free}}) {
    SCOPED_TRACE(c.spec.describe());
    const Codebook cb = make_codebook(c.spec.V == 2 ? "hyb" : "1mad", c.spec.L, c.spec.V);
    torch::manual_seed(3);
    auto w = (torch::randn({100, 256}) * 0.9 * cb.rms()).to(cuda());
    auto g = torch::randn({100, 256}).to(cuda());
    BcjrOptions opt;
    opt.T = 0.1;
    opt.boundary = c.boundary;
    opt.symbol_marginals = true;
    const auto f = bcjr_forward(w, c.spec, cb, opt);
    const auto v = bcjr_vjp(w, g, c.spec, cb, opt);
    const auto h = viterbi(w, c.spec, cb, c.boundary);
    setenv("BCJR_CUDA_CHUNK_TILES", "7", 1);  // 15 chunks, the last one short
    const auto f7 = bcjr_forward(w, c.spec, cb, opt);
    const auto v7 = bcjr_vjp(w, g, c.spec, cb, opt);
    const auto h7 = viterbi(w, c.spec, cb, c.boundary);
    unsetenv("BCJR_CUDA_CHUNK_TILES");
    EXPECT_TRUE(torch::equal(f.codeword, f7.codeword));
    EXPECT_TRUE(torch::equal(f.log_z, f7.log_z));
    EXPECT_TRUE(torch::equal(f.symbol_marginals, f7.symbol_marginals));
    EXPECT_TRUE(torch::equal(v.grad_w, v7.grad_w));
    EXPECT_TRUE(torch::equal(v.codeword, v7.codeword));
    EXPECT_TRUE(torch::equal(h.states, h7.states));
    EXPECT_TRUE(torch::equal(h.energy, h7.energy));
  }
}

TEST(CancelCuda, ACancelStopsBeforeTheNextChunk) {
  const TrellisSpec spec{16, 2, 2, 256};
  const Codebook cb = make_codebook("hyb", 16, 2);
  auto w = (torch::randn({100, 256}) * 0.9 * cb.rms()).to(cuda());
  BcjrOptions opt;
  opt.T = 0.1;
  opt.boundary = Boundary::Free;
  auto token = std::make_shared<CancelToken>();
  token->set_check_hook([&token](int64_t n) {
    if (n == 3) token->cancel();
  });
  setenv("BCJR_CUDA_CHUNK_TILES", "7", 1);
  {
    CancelScope scope(token);
    EXPECT_THROW(bcjr_forward(w, spec, cb, opt), Cancelled);
  }
  unsetenv("BCJR_CUDA_CHUNK_TILES");
  EXPECT_EQ(token->checks(), 3);  // the chunk loop runs on the caller's thread: nothing after the cancel
}

TEST(CancelCuda, SoftQuantizeBackwardOnTheDeviceThreadChecksItsForwardsToken) {
  const TrellisSpec spec{10, 2, 2, 256};
  auto cb = std::make_shared<const Codebook>(make_codebook("hyb", 10, 2));
  auto w = (torch::randn({64, 256}) * 0.9 * cb->rms()).to(cuda()).set_requires_grad(true);
  auto token = std::make_shared<CancelToken>();
  torch::Tensor loss;
  {
    CancelScope scope(token);
    loss = soft_quantize(w, spec, cb, Boundary::TailBiting, 0.2).sum();
  }
  const int64_t after_forward = token->checks();
  loss.backward();  // no token on this thread; LibTorch runs the CUDA backward on its device thread
  EXPECT_GT(token->checks(), after_forward);

  token = std::make_shared<CancelToken>();
  {
    CancelScope scope(token);
    loss = soft_quantize(w, spec, cb, Boundary::TailBiting, 0.2).sum();
  }
  const int64_t at = token->checks() + 2;
  token->set_check_hook([&token, at](int64_t n) {
    if (n == at) token->cancel();
  });
  std::string caught = "nothing";
  try {
    loss.backward();
  } catch (const Cancelled&) {
    caught = "bcjr::Cancelled";
  } catch (const std::exception& e) {
    caught = std::string("another exception: ") + e.what();
  }
  // The trainer maps either to a cancel by asking the token; record which one LibTorch delivers.
  std::printf("a cancel inside a CUDA backward reaches the caller as %s\n", caught.substr(0, 120).c_str());
  EXPECT_NE(caught, "nothing");
  EXPECT_NE(caught.find("ancelled"), std::string::npos) << caught;
  EXPECT_TRUE(token->cancelled());
}

}  // namespace bcjr::trellis
