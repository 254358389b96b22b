// BCJR over a batch: free, exact tail-biting (a mixture over overlaps, combined here) and
// fixed-overlap tail-biting, composed from the per-device primitive. The exact VJP of a mixture
// follows from the law of total covariance:
//   Cov(G, c_u) = sum_o p_o [Cov_o(G, c_u) + (E_o G - E G)(E_o c_u - E c_u)],
// so one constrained forward+VJP per overlap suffices, accumulated with a running log-sum-exp.
#include "engine/trellis/bcjr.h"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/trellis/cuda_dispatch.h"
#include "engine/trellis/device_chunks.h"
#include "engine/trellis/trellis_primitives.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::trellis {
namespace {

SoftBatch run_bcjr(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, double T, const at::Tensor& overlap,
                   const at::Tensor& g, bool marginals) {
  if (!w.is_cuda()) return bcjr_cpu(w, spec, cb, T, overlap, g, marginals);  // checks per chunk of tiles
  return in_chunks(w.size(0), device_chunk_tiles(spec), [&](int64_t b, int64_t e) {
    const at::Tensor wc = w.slice(0, b, e), oc = overlap.defined() ? overlap.slice(0, b, e) : overlap;
    if (g.defined()) return bcjr_vjp_cuda(wc, g.slice(0, b, e), spec, cb, T, oc, marginals);
    return bcjr_forward_cuda(wc, spec, cb, T, oc, marginals);
  });
}

bool use_exact(const TrellisSpec& spec, BcjrTailBiting method) {
  return method == BcjrTailBiting::Exact || (method == BcjrTailBiting::Auto && spec.overlaps() <= kMaxExactOverlaps);
}

// Running mixture over overlaps, in double: every sum is kept relative to the largest log Z seen.
struct Mixture {
  at::Tensor max_lz, weight, codeword, marginals, grad, g_codeword, g_mean;
  void add(const SoftBatch& b, const at::Tensor& g) {
    auto lz = b.log_z.to(torch::kFloat64);
    auto cw = b.codeword.to(torch::kFloat64);
    at::Tensor gbar;  // E_o[G] per tile
    if (g.defined()) gbar = (g.to(torch::kFloat64) * cw).sum(1);
    if (!max_lz.defined()) {
      max_lz = lz;
      weight = torch::ones_like(lz);
      codeword = cw;
      if (b.symbol_marginals.defined()) marginals = b.symbol_marginals.to(torch::kFloat64);
      if (g.defined()) {
        grad = b.grad_w.to(torch::kFloat64);
        g_codeword = gbar.unsqueeze(1) * cw;
        g_mean = gbar;
      }
      return;
    }
    auto new_max = torch::maximum(max_lz, lz);
    auto old_scale = torch::exp(max_lz - new_max), new_scale = torch::exp(lz - new_max);
    auto os = old_scale.unsqueeze(1), ns = new_scale.unsqueeze(1);
    weight = weight * old_scale + new_scale;
    codeword = codeword * os + cw * ns;
    if (marginals.defined())
      marginals = marginals * os.unsqueeze(2) + b.symbol_marginals.to(torch::kFloat64) * ns.unsqueeze(2);
    if (g.defined()) {
      grad = grad * os + b.grad_w.to(torch::kFloat64) * ns;
      g_codeword = g_codeword * os + (gbar.unsqueeze(1) * cw) * ns;
      g_mean = g_mean * old_scale + gbar * new_scale;
    }
    max_lz = new_max;
  }
};

BcjrResult run(const at::Tensor& w_in, const at::Tensor& g_in, const TrellisSpec& spec, const Codebook& cb,
               const BcjrOptions& opt) {
  spec.validate(opt.boundary);
  BCJR_CHECK(opt.T > 0 && std::isfinite(opt.T), "bcjr: temperature T = ", opt.T, " must be positive and finite");
  check_weights(w_in, spec, "bcjr weights");
  const auto w = w_in.contiguous();
  at::Tensor g;
  if (g_in.defined()) {
    check_weights(g_in, spec, "bcjr upstream gradient");
    BCJR_CHECK(g_in.size(0) == w.size(0), "bcjr upstream gradient: ", g_in.size(0), " tiles, the weights have ",
               w.size(0));
    g = g_in.to(w.device()).contiguous();
  }
  BcjrResult res;
  res.method = bcjr_method(spec, opt.boundary, opt.tailbiting);
  res.codebook = cb.describe();
  const int64_t tiles = w.size(0);

  if (opt.boundary == Boundary::Free || !use_exact(spec, opt.tailbiting)) {
    at::Tensor overlap;
    if (opt.boundary == Boundary::TailBiting) {
      if (opt.overlap.defined()) {
        BCJR_CHECK(opt.overlap.dim() == 1 && opt.overlap.size(0) == tiles, "bcjr overlap: expected [", tiles, "]");
        overlap = opt.overlap.to(w.device()).to(torch::kInt32).contiguous();
      } else {
        auto hard = viterbi(w, spec, cb, Boundary::TailBiting);
        overlap = torch::bitwise_right_shift(hard.states.select(1, 0), spec.kv()).to(torch::kInt32).contiguous();
      }
      res.overlap = overlap;
    }
    SoftBatch b = run_bcjr(w, spec, cb, opt.T, overlap, g, opt.symbol_marginals);
    res.codeword = b.codeword;
    res.log_z = b.log_z.to(torch::kFloat64);
    res.symbol_marginals = b.symbol_marginals;
    res.grad_w = b.grad_w;
    return res;
  }

  Mixture mix;
  auto opts_i32 = torch::TensorOptions().dtype(torch::kInt32).device(w.device());
  for (int64_t o = 0; o < spec.overlaps(); ++o)
    mix.add(run_bcjr(w, spec, cb, opt.T, torch::full({tiles}, o, opts_i32), g, opt.symbol_marginals), g);
  auto wsum = mix.weight.unsqueeze(1);
  auto codeword = mix.codeword / wsum;
  res.codeword = codeword.to(torch::kFloat32);
  res.log_z = mix.max_lz + torch::log(mix.weight);
  if (mix.marginals.defined()) res.symbol_marginals = (mix.marginals / wsum.unsqueeze(2)).to(torch::kFloat32);
  if (g.defined()) {
    // sum_o p_o (E_o G - E G)(E_o c - E c) = sum_o p_o E_o[G] E_o[c] - E[G] E[c].
    auto g_mean = (mix.g_mean / mix.weight).unsqueeze(1);
    auto between = mix.g_codeword / wsum - g_mean * codeword;
    res.grad_w = (mix.grad / wsum + (2.0 / opt.T) * between).to(torch::kFloat32);
  }
  return res;
}

}  // namespace

std::string bcjr_method(const TrellisSpec& spec, Boundary boundary, BcjrTailBiting method) {
  if (boundary == Boundary::Free) return "free";
  return use_exact(spec, method) ? "tailbiting-exact" : "tailbiting-fixed-overlap";
}

BcjrTailBiting parse_bcjr_tailbiting(const std::string& name) {
  if (name == "auto") return BcjrTailBiting::Auto;
  if (name == "exact") return BcjrTailBiting::Exact;
  if (name == "fixed-overlap") return BcjrTailBiting::FixedOverlap;
  fail("tail-biting BCJR method '", name, "' (expected auto, exact or fixed-overlap)");
}

BcjrResult bcjr_forward(const at::Tensor& w, const TrellisSpec& spec, const Codebook& cb, const BcjrOptions& opt) {
  return run(w, at::Tensor(), spec, cb, opt);
}

BcjrResult bcjr_vjp(const at::Tensor& w, const at::Tensor& grad_codeword, const TrellisSpec& spec, const Codebook& cb,
                    const BcjrOptions& opt) {
  BCJR_CHECK(grad_codeword.defined(), "bcjr vjp: no upstream gradient given");
  return run(w, grad_codeword, spec, cb, opt);
}

}  // namespace bcjr::trellis
