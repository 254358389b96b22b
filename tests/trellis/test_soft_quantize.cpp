#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/trellis/bcjr.h"
#include "engine/trellis/soft_quantize.h"
#include "tests/trellis/test_support_trellis.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::trellis;
using namespace bcjr::trellis::testing;

TEST(SoftQuantize, ForwardIsTheSoftCodewordAndBackwardIsTheExactVjp) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TrellisSpec spec{8, 2, 2, 16};
  auto cb = std::make_shared<const Codebook>(make_codebook("hyb", 8, 2));
  auto w0 = random_weights(4, spec.n, *cb, rng);
  auto g = random_weights(4, spec.n, *cb, rng);
  for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
    SCOPED_TRACE(boundary_name(b));
    auto w = w0.clone().requires_grad_(true);
    auto out = soft_quantize(w, spec, cb, b, 0.3);
    (out * g).sum().backward();
    BcjrOptions opt;
    opt.T = 0.3;
    opt.boundary = b;
    auto ref = bcjr_vjp(w0, g, spec, *cb, opt);
    EXPECT_TRUE(torch::allclose(out.detach(), ref.codeword, 1e-6, 1e-6));
    EXPECT_TRUE(torch::allclose(w.grad(), ref.grad_w, 1e-5, 1e-6));
  }
}

TEST(SoftQuantize, FixedOverlapBackwardConditionsOnTheForwardOverlap) {
  const uint64_t seed = ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TrellisSpec spec{6, 1, 1, 12};
  auto cb = std::make_shared<const Codebook>(make_codebook("1mad", 6, 1));
  auto w0 = random_weights(3, spec.n, *cb, rng);
  auto g = random_weights(3, spec.n, *cb, rng);
  BcjrOptions opt;
  opt.T = 0.2;
  opt.boundary = Boundary::TailBiting;
  opt.tailbiting = BcjrTailBiting::FixedOverlap;
  auto w = w0.clone().requires_grad_(true);
  (soft_quantize(w, spec, cb, opt) * g).sum().backward();
  auto fwd = bcjr_forward(w0, spec, *cb, opt);
  ASSERT_TRUE(fwd.overlap.defined());
  for (int64_t i = 0; i < w0.size(0); ++i) {
    auto e = ref::enumerate(spec, *cb, w0.data_ptr<float>() + i * spec.n, opt.T, Boundary::TailBiting,
                            fwd.overlap[i].item<int>(), g.data_ptr<float>() + i * spec.n);
    EXPECT_LT(max_abs_diff(w.grad().data_ptr<float>() + i * spec.n, e.grad), 1e-4 * (1 + max_abs(e.grad)));
  }
}

TEST(SoftQuantize, GradientFlowsThroughAModelAndDecreasesTheLoss) {
  // A few steps of gradient descent on ||soft(w) - target||^2 must lower it: the op is usable
  // inside an optimiser loop (what BCJR-QAT does).
  TrellisSpec spec{8, 2, 1, 32};
  auto cb = std::make_shared<const Codebook>(make_codebook("1mad", 8, 1));
  torch::manual_seed(1);
  auto target = torch::randn({4, 32}) * 0.9;
  auto w = (target + 0.3 * torch::randn({4, 32})).requires_grad_(true);
  torch::optim::SGD sgd({w}, 0.05);
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    sgd.zero_grad();
    auto loss = (soft_quantize(w, spec, cb, Boundary::Free, 0.5) - target).pow(2).sum();
    loss.backward();
    sgd.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, 0.9 * first);
}
