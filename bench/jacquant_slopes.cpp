// JacQuant's slope estimators on the hard trellis quantiser, for choosing their defaults
// (docs/METHODS.md): on Gaussian tiles at the trellis's normalised RMS, at the latent's starting
// point (the PTQ codeword of an FP tile), the Probe and Dither estimates of the tile slope for
// several sample counts and probe scales (in units of the tile's RMS PTQ error): their mean over
// tiles, the spread of a one-sample estimate across repeats (the noise a refresh averages), and
// their cost in Viterbi passes, timed against one Viterbi of the same batch measured in the same
// run. For reference, the exactly smoothed slope of the BCJR soft codeword at the schedule's
// temperatures, (2/T) tr Cov_P / n, at the same points.
//
// usage: jacquant_slopes [--L 16] [--tiles 8] [--repeats 8] [--seed 0] [--threads N]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/core/runtime.h"
#include "engine/quant/gradient_rule.h"
#include "engine/quant/jacquant_estimators.h"
#include "engine/quant/trellis_code.h"
#include "engine/trellis/tile_posterior.h"

using namespace bcjr;
using namespace bcjr::quant;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Estimate {
  double mean = 0, noise = 0, seconds = 0;
};

// Mean over tiles of the estimate with `count` samples, and the RMS over tiles of the standard
// deviation across `repeats` independent estimates (each with `count` samples).
template <class F>
Estimate estimate(F f, int repeats) {
  std::vector<torch::Tensor> runs;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < repeats; ++r) runs.push_back(f(uint64_t(1000 + r)));
  Estimate e;
  e.seconds = seconds_since(t0) / repeats;
  auto all = torch::stack(runs).to(torch::kFloat64);  // [repeats, tiles]
  e.mean = all.mean().item<double>();
  e.noise = all.std(0).pow(2).mean().sqrt().item<double>();
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  int L = 16, tiles = 8, repeats = 8;
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--L")) L = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--tiles")) tiles = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--threads")) set_thread_count(std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "jacquant_slopes: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  QuantParams p;
  p.L = L;
  auto code = TrellisCode::make(p);
  torch::manual_seed(int64_t(seed));
  auto fp = torch::randn({tiles, 256}) * code.target_rms;
  const auto t0 = std::chrono::steady_clock::now();
  auto x = hard_codeword(fp, code);  // the latent at the start: the PTQ codeword
  const double viterbi_s = seconds_since(t0);
  auto err = (fp - x).pow(2).mean(1).sqrt();
  std::printf("device: CPU, %d threads; hyb L=%d k=2 V=2 tail-biting, %d Gaussian tiles at RMS %.4f, "
              "RMS PTQ error %.4f; one Viterbi of the batch %.3f s\n",
              thread_count(), L, tiles, code.target_rms, err.mean().item<double>(), viterbi_s);
  TileQuantizer q = [&code](const torch::Tensor& t) { return hard_codeword(t, code); };
  std::printf("\n| estimator | samples | scale x error | mean slope | noise (sd of one estimate) | Viterbi passes (time / one) |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (double scale : {0.5, 1.0, 2.0})
    for (int n : {1, 4}) {
      auto h = (scale * err).clamp_min(1e-3);
      auto pe = estimate([&](uint64_t s) { return probe_slopes(q, x, h, n, s); }, repeats);
      auto de = estimate([&](uint64_t s) { return dither_slopes(q, x, x, h, n, s); }, repeats);
      std::printf("| probe | %d | %.1f | %.4f | %.4f | %d (%.1f) |\n", n, scale, pe.mean, pe.noise, 2 * n,
                  pe.seconds / viterbi_s);
      std::printf("| dither | %d | %.1f | %.4f | %.4f | %d (%.1f) |\n", n, scale, de.mean, de.noise, n,
                  de.seconds / viterbi_s);
    }
  std::printf("\nBCJR soft codeword at the same points: (2/T) tr Cov_P / n, mean over tiles\n\n| T | slope |\n| ---: | ---: |\n");
  for (double T : {0.05, 0.1, 0.3, 1.0}) {
    trellis::BcjrOptions opt;
    opt.T = T;
    opt.boundary = code.boundary;
    double sum = 0;
    for (int t = 0; t < tiles; ++t) {
      auto row = x[t].contiguous();
      std::vector<float> w(row.data_ptr<float>(), row.data_ptr<float>() + 256);
      auto post = trellis::tile_posterior(w, code.spec, *code.codebook, opt);
      auto var = torch::from_blob(post.variance.data(), {1, 256}, torch::kFloat32).clone();
      sum += bcjr_slopes_from_variance(var, T).item<double>();
    }
    std::printf("| %.2f | %.4f |\n", T, sum / tiles);
  }
  return 0;
}
