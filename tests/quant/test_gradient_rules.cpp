// The trellis gradient rules (gradient_rule.h, jacquant_rule.h) and JacQuant's slope estimators:
// the hard forward is the hardened reconstruction; the STE gradient is the identity; a JacQuant
// slope scales its tile's gradient in the normalised tile domain; Probe and Dither recover the
// known slope of a synthetic staircase quantiser, and approach the exactly smoothed slope of the
// BCJR soft codeword, (2/T) tr Cov_P / n, which is the trace of its Jacobian (checked by VJPs).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/quant/gradient_rule.h"
#include "engine/quant/jacquant_estimators.h"
#include "engine/quant/ptq.h"
#include "engine/quant/qat_latent.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/tile_posterior.h"
#include "tests/quant/tiny_model.h"

using namespace bcjr::quant;

namespace {

TrellisCode small_code() { return bcjr::test::small_trellis_code(); }

struct Linear {
  PtqLinearResult ptq;
  std::unique_ptr<LatentLinear> latent;
};

Linear small_linear(const TrellisCode& code, uint64_t seed) {
  torch::manual_seed(seed);
  Linear l;
  auto w = torch::randn({32, 48}) * 0.05;
  l.ptq = ptq_linear(w, torch::Tensor(), 0, "up_proj", PtqMode::Rht, code, seed);
  l.latent = LatentLinear::from_ptq({0, "up_proj"}, l.ptq, torch::Device(torch::kCPU));
  torch::NoGradGuard ng;
  l.latent->w.add_(0.02 * torch::randn({32, 48}));  // off the PTQ codeword, so that paths change
  return l;
}

// Q(t) = step * round(t / step), element by element; its thresholds sit at (k + 1/2) step.
torch::Tensor staircase(const torch::Tensor& t, double step) { return step * torch::round(t / step); }

double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI); }

}  // namespace

TEST(HardQuantizedWeight, ForwardIsTheHardenedReconstruction) {
  auto code = small_code();
  auto l = small_linear(code, 1);
  auto w = hard_quantized_weight(*l.latent, code, torch::Tensor());
  QuantizedLinear q = l.ptq.q;
  q.states = harden(q, code, l.latent->w);
  EXPECT_LT((w - dequantize(q, code)).abs().max().item<double>(), 1e-6);
  EXPECT_GT(count_flips(q.states, l.ptq.q.states).steps, 0);  // the latent really moved off PTQ
}

TEST(SteRule, GradientIsTheIdentity) {
  auto code = small_code();
  auto l = small_linear(code, 2);
  QatConfig c;
  c.method = QatMethod::Ste;
  auto rule = make_gradient_rule(c, code);
  auto g = torch::randn({32, 48});
  (rule->weight(*l.latent, 0.1) * g).sum().backward();
  // Through an orthogonal transform, a scale and its exact inverse: G comes back up to rounding.
  EXPECT_LT((l.latent->w.grad() - g).abs().max().item<double>(), 1e-5);
}

TEST(JacQuant, SlopeScalesEachTilesGradientInTheTrellisDomain) {
  auto code = small_code();
  auto l = small_linear(code, 3);
  const int64_t tiles = l.ptq.q.tiles();
  auto slopes = torch::rand({tiles}) * 2 + 0.1;
  auto g = torch::randn({32, 48});
  (hard_quantized_weight(*l.latent, code, slopes) * g).sum().backward();
  auto with = l.latent->w.grad().clone();
  l.latent->w.grad().zero_();
  (hard_quantized_weight(*l.latent, code, torch::Tensor()) * g).sum().backward();
  auto ste = l.latent->w.grad().clone();
  // Gradients map to the tile domain by the same orthogonal map (up to scale^2, the same for both).
  auto rht = l.ptq.q.rht();
  auto a = normalised_tiles(rht, l.ptq.q.scale, with), b = normalised_tiles(rht, l.ptq.q.scale, ste);
  EXPECT_LT((a - slopes.unsqueeze(1) * b).abs().max().item<double>(), 1e-5 * b.abs().max().item<double>());
}

// A separable quantiser's Probe estimate does not depend on the directions: each coordinate
// contributes (Q(x_i + h) - Q(x_i - h)) / 2h whatever the sign of r_i. So it is exact.
TEST(JacQuantEstimators, ProbeRecoversTheFiniteDifferenceSlopeOfAStaircase) {
  torch::manual_seed(4);
  const double step = 0.5;
  auto x = torch::randn({6, 256});
  auto h = torch::rand({6}) * 0.3 + 0.05;
  TileQuantizer q = [step](const torch::Tensor& t) { return staircase(t, step); };
  auto est = probe_slopes(q, x, h, 3, 11);
  auto hh = h.unsqueeze(1);
  auto exact = ((staircase(x + hh, step) - staircase(x - hh, step)) / (2 * hh)).mean(1);
  EXPECT_LT((est - exact).abs().max().item<double>(), 1e-5);
}

// Dither recovers the Gaussian-smoothed slope of the staircase, in closed form
// d/dx E[Q(x + e)] = sum_k (step / sigma) phi((x - (k + 1/2) step) / sigma), averaged over the tile.
TEST(JacQuantEstimators, DitherRecoversTheSmoothedSlopeOfAStaircase) {
  torch::manual_seed(5);
  const double step = 0.5;
  auto x = torch::randn({4, 256});
  auto sigma = torch::tensor({0.1f, 0.2f, 0.3f, 0.5f});
  TileQuantizer q = [step](const torch::Tensor& t) { return staircase(t, step); };
  auto est = dither_slopes(q, x, q(x), sigma, 3000, 12);
  for (int64_t t = 0; t < 4; ++t) {
    const double s = sigma[t].item<double>();
    double exact = 0;
    for (int64_t i = 0; i < 256; ++i) {
      const double xi = x[t][i].item<double>();
      for (int k = -20; k < 20; ++k) exact += step / s * normal_pdf((xi - (k + 0.5) * step) / s);
    }
    exact /= 256;
    EXPECT_NEAR(est[t].item<double>(), exact, 0.03 * exact) << "sigma " << s;
  }
  EXPECT_THROW(dither_slopes(q, x, q(x), torch::zeros({4}), 1, 1), bcjr::Error);
}

// The BCJR soft codeword is smooth, its Jacobian (2/T) Cov_P exact; the slope of a tile is
// (2/T) tr Cov_P / n. Both estimators, run on that function with a small probe and dither, must
// approach it; and the VJPs' trace must equal it (the identity the cross-check rests on).
TEST(JacQuantEstimators, ApproachTheExactBcjrSlopeOnTheSoftCodeword) {
  auto code = small_code();
  torch::manual_seed(6);
  const int64_t tiles = 2;
  auto x = torch::randn({tiles, 256}) * code.target_rms;
  for (double T : {0.1, 0.4}) {
    bcjr::trellis::BcjrOptions opt;
    opt.T = T;
    opt.boundary = code.boundary;
    // Exact slopes from the posterior variances.
    auto var = torch::empty({tiles, 256});
    for (int64_t t = 0; t < tiles; ++t) {
      std::vector<float> w(x[t].data_ptr<float>(), x[t].data_ptr<float>() + 256);
      auto p = bcjr::trellis::tile_posterior(w, code.spec, *code.codebook, opt);
      var[t] = torch::from_blob(p.variance.data(), {256}, torch::kFloat32).clone();
    }
    auto exact = bcjr_slopes_from_variance(var, T);
    // The trace of the Jacobian of tile 0 by 256 VJPs with one-hot upstream gradients.
    auto rep = x[0].unsqueeze(0).repeat({256, 1}).contiguous();
    auto vjp = bcjr::trellis::bcjr_vjp(rep, torch::eye(256), code.spec, *code.codebook, opt);
    const double trace = vjp.grad_w.diagonal().to(torch::kFloat64).sum().item<double>() / 256;
    EXPECT_NEAR(trace, exact[0].item<double>(), 1e-3 * exact[0].item<double>()) << "T " << T;

    TileQuantizer soft = [&](const torch::Tensor& t) {
      return bcjr::trellis::bcjr_forward(t, code.spec, *code.codebook, opt).codeword;
    };
    // 48 samples: the estimates' spread is about 2% here (1% with 200, measured), so 10% is 5 sd.
    auto probe = probe_slopes(soft, x, torch::full({tiles}, 2e-3f), 48, 21);
    auto dither = dither_slopes(soft, x, soft(x), torch::full({tiles}, 2e-3f), 48, 22);
    for (int64_t t = 0; t < tiles; ++t) {
      const double e = exact[t].item<double>();
      EXPECT_NEAR(probe[t].item<double>(), e, 0.1 * e) << "probe, T " << T << ", tile " << t;
      EXPECT_NEAR(dither[t].item<double>(), e, 0.1 * e) << "dither, T " << T << ", tile " << t;
    }
  }
}

TEST(JacQuantEstimators, SmoothingIsEmaThenClipThenShrink) {
  JacQuantOptions o;
  o.ema = 0.5;
  o.lo = 0.1;
  o.hi = 3.0;
  o.shrink = 0.25;
  auto b = torch::tensor({1.0f, 1.0f, 1.0f, 1.0f});
  auto est = torch::tensor({0.5f, -2.0f, 9.0f, 1.0f});
  // EMA: 0.75, -0.5, 5.0, 1.0; clip: 0.75, 0.1, 3.0, 1.0 (mean 1.2125); shrink toward the mean.
  auto next = smooth_slopes(b, est, o);
  const float clipped[] = {0.75f, 0.1f, 3.0f, 1.0f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(next[i].item<float>(), 0.75f * clipped[i] + 0.25f * 1.2125f, 1e-6) << i;
}

TEST(JacQuantOptions, RoundTripAndClearErrors) {
  JacQuantOptions o;
  o.refresh_every = 3;
  o.lo = 0.2;
  auto back = JacQuantOptions::from_json(o.to_json(), "test");
  EXPECT_EQ(back.to_json(), o.to_json());
  try {
    JacQuantOptions::from_json({{"refresh", 2}}, "run.json");
    ADD_FAILURE() << "an unknown key was accepted";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("run.json jacquant: unknown key \"refresh\"; known keys: "), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(JacQuantOptions::from_json({{"clip", {2.0, 1.0}}}, "run.json"), bcjr::Error);
  EXPECT_THROW(JacQuantOptions::from_json({{"probes", 0}, {"dithers", 0}}, "run.json"), bcjr::Error);
  EXPECT_THROW(parse_qat_method("lsq"), bcjr::Error);
  for (QatMethod m : all_qat_methods()) EXPECT_EQ(parse_qat_method(qat_method_name(m)), m);
}
