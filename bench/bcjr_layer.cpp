// The quantiser work of one Llama-3.2-1B decoder layer on the GPU: 237,568 tiles of 256 Gaussian
// weights, L=16, k=2, V=2, code hyb. Times Viterbi (tail-biting, QTIP's two passes), the BCJR
// forward (soft codeword) and forward+VJP (one training step's quantiser work), with peak GPU
// memory, exp2/s against a measured ceiling and bytes against measured copy bandwidth; and, in the
// same run, an unfused LibTorch-ops reference (gather predecessors, log-sum-exp per step: the
// paper's reference design) on a subset, scaled to the layer, with the ratio. Then every candidate
// kernel variant (kernels/bcjr_sweep.cuh), the default first, on the same inputs: forward, VJP and
// forward+VJP times and each variant's largest difference from the default's results.
//   bcjr_layer [--tiles N] [--ref-tiles N] [--T t]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/cuda_dispatch.h"
#include "engine/trellis/viterbi.h"

#ifdef BCJR_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>

#include "kernels/trellis_host.h"
#endif

#ifdef BCJR_WITH_CUDA
using namespace bcjr::trellis;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class Fn>
double timed(Fn&& fn) {
  torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  torch::cuda::synchronize();
  return seconds_since(t0);
}

double peak_gb() {
  const auto st = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  return double(st.allocated_bytes[0].peak) / 1e9;
}
void reset_peak() { c10::cuda::CUDACachingAllocator::resetPeakStats(0); }

// The paper's reference design with tensor ops: forward messages for every step kept, backward
// sweep forming the state posterior and the soft codeword. Returns the codeword [B, n].
torch::Tensor unfused_bcjr(const torch::Tensor& w, const TrellisSpec& s, const torch::Tensor& table, double T) {
  const int64_t B = w.size(0), N = s.steps(), S = s.symbols(), G = s.overlaps(), V = s.V;
  auto wt = w.view({B, N, V});
  auto local = [&](int64_t t) {  // [B, 2^L]: -||c(s) - w_t||^2 / T
    auto d = table.unsqueeze(0) - wt.select(1, t).unsqueeze(1);
    return d.pow(2).sum(-1) * (-1.0 / T);
  };
  std::vector<torch::Tensor> alpha(N);
  alpha[0] = local(0);
  for (int64_t t = 1; t < N; ++t) {
    // predecessors of s are p*G + (s >> kV): LSE over p, then spread back to the 2^L states
    auto m = torch::logsumexp(alpha[t - 1].view({B, S, G}), 1);
    m = m - std::get<0>(m.max(1, true));
    alpha[t] = local(t) + m.repeat_interleave(S, 1);
  }
  auto out = torch::empty({B, N, V}, w.options());
  auto beta = torch::zeros_like(alpha[0]);
  for (int64_t t = N - 1; t >= 0; --t) {
    auto p = torch::softmax(alpha[t] + beta, 1);
    out.select(1, t).copy_(p.matmul(table));
    if (t > 0) {
      // successors of s are (s & (G-1))*S + u: LSE over u, then tile over the 2^kV blocks of s
      auto n = torch::logsumexp((local(t) + beta).view({B, G, S}), 2);
      n = n - std::get<0>(n.max(1, true));
      beta = n.repeat({1, S});
    }
  }
  return out.view({B, s.n});
}

// max |x - x0| / max |x0|: differences on the scale of the default's result (an element-wise ratio
// would divide by gradients that are zero to rounding).
double scaled_diff(const torch::Tensor& x, const torch::Tensor& x0) {
  return ((x - x0).abs().max() / x0.abs().max()).item<double>();
}

// Every kernel variant on the same inputs, the default first, each after its own warm-up (its
// kernels load on first use). A variant must reproduce the default to fp32 rounding: FAIL when a
// codeword or the gradient differs by more than 1e-5 of its scale. Returns the number of failures.
int time_variants(const torch::Tensor& w, const torch::Tensor& g, const TrellisSpec& s, const Codebook& cb, double T) {
  const char* env = std::getenv("BCJR_CUDA_BCJR_VARIANT");
  const std::string env_before = env ? env : "";
  const double kTol = 1e-5;
  std::printf("\nkernel variants (BCJR_CUDA_BCJR_VARIANT, kernels/bcjr_sweep.cuh), whole layer; differences are\n"
              "max |x - x_default| / max |x_default|, tolerance %.0e\n", kTol);
  std::printf("%-8s %10s %10s %10s %12s %12s %12s  %s\n", "variant", "fwd s", "VJP s", "fwd+VJP s", "codeword", "cw (VJP)",
              "grad", "check");
  SoftBatch fwd0, vjp0;
  int failed = 0;
  const int count = bcjr::kernels::bcjr_variant_count(), first = bcjr::kernels::bcjr_default_variant();
  for (int i = 0; i < count; ++i) {
    const int v = (first + i) % count;
    setenv("BCJR_CUDA_BCJR_VARIANT", std::to_string(v).c_str(), 1);
    {
      auto ws = w.slice(0, 0, 512).contiguous();
      bcjr_vjp_cuda(ws, g.slice(0, 0, 512).contiguous(), s, cb, T, torch::Tensor());
      bcjr_forward_cuda(ws, s, cb, T, torch::Tensor(), false);
    }
    SoftBatch fwd, vjp;
    const double t_fwd = timed([&] { fwd = bcjr_forward_cuda(w, s, cb, T, torch::Tensor(), false); });
    const double t_vjp = timed([&] { vjp = bcjr_vjp_cuda(w, g, s, cb, T, torch::Tensor()); });
    if (i == 0) {
      fwd0 = fwd;
      vjp0 = vjp;
    }
    const double d_cw = scaled_diff(fwd.codeword, fwd0.codeword), d_vcw = scaled_diff(vjp.codeword, vjp0.codeword),
                 d_grad = scaled_diff(vjp.grad_w, vjp0.grad_w);
    const bool finite = torch::isfinite(fwd.codeword).all().item<bool>() &&
                        torch::isfinite(vjp.codeword).all().item<bool>() &&
                        torch::isfinite(vjp.grad_w).all().item<bool>();
    const bool ok = finite && d_cw <= kTol && d_vcw <= kTol && d_grad <= kTol;  // a NaN difference fails too
    failed += !ok;
    const std::string label = std::to_string(v) + (i == 0 ? " (def)" : "");
    std::printf("%-8s %10.3f %10.3f %10.3f %12.3g %12.3g %12.3g  %s\n", label.c_str(), t_fwd, t_vjp, t_fwd + t_vjp,
                d_cw, d_vcw, d_grad, ok ? "ok" : "FAIL");
  }
  if (env) {
    setenv("BCJR_CUDA_BCJR_VARIANT", env_before.c_str(), 1);
  } else {
    unsetenv("BCJR_CUDA_BCJR_VARIANT");
  }
  return failed;
}

}  // namespace
#endif

int main(int argc, char** argv) {
  int64_t tiles = 237568, ref_tiles = 64;
  double T = 0.1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--tiles")) tiles = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--ref-tiles")) ref_tiles = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--T")) T = std::atof(argv[i + 1]);
  }
#ifndef BCJR_WITH_CUDA
  (void)tiles;
  (void)ref_tiles;
  (void)T;
  std::printf("bcjr_layer: built without the CUDA kernels; nothing to measure on this machine\n");
  return 0;
#else
  if (!torch::cuda::is_available()) {
    std::printf("bcjr_layer: no CUDA device\n");
    return 0;
  }
  const torch::Device dev(torch::kCUDA, 0);
  TrellisSpec s;  // L=16 k=2 V=2 n=256
  const Codebook cb = make_codebook("hyb", s.L, s.V, 0);
  torch::manual_seed(1234);
  auto w = (torch::randn({tiles, s.n}, torch::TensorOptions().device(dev)) * (0.9 * cb.rms())).contiguous();
  auto g = torch::randn({tiles, s.n}, torch::TensorOptions().device(dev));

  // Ceilings measured here.
  const double exp_ceiling = bcjr::kernels::exp2_ceiling_per_second();
  double bw = 0;
  {
    auto a = torch::empty({int64_t(1) << 30}, torch::TensorOptions().device(dev));  // 4 GB
    auto b = torch::empty_like(a);
    a.fill_(1.0f);
    b.copy_(a);
    const double t = timed([&] {
      for (int r = 0; r < 5; ++r) b.copy_(a);
    });
    bw = 5.0 * 2 * a.numel() * 4 / t;
  }
  std::printf("device: %s\n", torch::cuda::is_available() ? "CUDA device 0" : "?");
  std::printf("workload: %lld tiles x %d weights, %s, code %s, T=%.3g\n", (long long)tiles, s.n, s.describe().c_str(),
              cb.describe().c_str(), T);
  std::printf("measured ceilings: exp2 %.3g /s, device copy %.3g B/s (read+write)\n", exp_ceiling, bw);
  const char* variant_env = std::getenv("BCJR_CUDA_BCJR_VARIANT");
  std::printf("kernel variant for the first table: %s (BCJR_CUDA_BCJR_VARIANT)\n",
              variant_env && *variant_env ? variant_env
                                          : (std::to_string(bcjr::kernels::bcjr_default_variant()) + ", the default").c_str());

  // Warm-up on a slice (module load, allocator).
  {
    auto ws = w.slice(0, 0, 512).contiguous();
    viterbi(ws, s, cb, Boundary::TailBiting);
    bcjr_vjp_cuda(ws, g.slice(0, 0, 512).contiguous(), s, cb, T, torch::Tensor());
    bcjr_forward_cuda(ws, s, cb, T, torch::Tensor(), false);
  }
  const double state_steps = double(tiles) * s.steps() * double(s.states());
  const double G = double(s.overlaps()), N1 = s.steps() + 1;
  // Bytes of one direction's group values for the layer (the weights, gradient and outputs are
  // negligible next to them).
  const double msg_bytes_dir = double(tiles) * N1 * G * 4;

  reset_peak();
  ViterbiResult vr;
  const double t_vit = timed([&] { vr = viterbi(w, s, cb, Boundary::TailBiting); });
  const double peak_vit = peak_gb();

  reset_peak();
  SoftBatch fwd;
  const double t_fwd = timed([&] { fwd = bcjr_forward_cuda(w, s, cb, T, torch::Tensor(), false); });
  const double peak_fwd = peak_gb();

  reset_peak();
  SoftBatch vjp;
  const double t_vjp = timed([&] { vjp = bcjr_vjp_cuda(w, g, s, cb, T, torch::Tensor()); });
  const double peak_vjp = peak_gb();
  const double t_step = t_fwd + t_vjp;

  // The fused kernels (no symbol marginals asked for): one exp2 per state-step in the forward
  // sweep and in the backward sweep, which also reduces the posterior; the group merges add 1/16.
  // Bytes: each direction's group values written once, the forward ones (and with the VJP the
  // forward tangents) read once more by the fused backward sweep.
  const double exps_fwd = 2 * state_steps * (1 + 1.0 / 16), exps_vjp = exps_fwd;
  const double bytes_fwd = 3 * msg_bytes_dir, bytes_vjp = 6 * msg_bytes_dir;

  // The unfused reference on a subset, scaled.
  auto wr = w.slice(0, 0, ref_tiles).contiguous();
  auto table = cb.table_tensor().to(dev).view({s.states(), s.V});
  unfused_bcjr(wr.slice(0, 0, 2), s, table, T);  // warm-up
  torch::Tensor ref_cw;
  const double t_ref = timed([&] { ref_cw = unfused_bcjr(wr, s, table, T); });
  const double t_ref_layer = t_ref * double(tiles) / double(ref_tiles);
  const double ref_err =
      ((ref_cw - fwd.codeword.slice(0, 0, ref_tiles)).norm() / ref_cw.norm()).item<double>();

  std::printf("\n%-42s %10s %10s %12s %12s\n", "operation (whole layer)", "seconds", "peak GB", "exp2/s", "bytes/s");
  std::printf("%-42s %10.3f %10.2f %12s %12s\n", "Viterbi tail-biting (QTIP 2 passes)", t_vit, peak_vit, "-", "-");
  std::printf("%-42s %10.3f %10.2f %12.3g %12.3g\n", "BCJR forward (soft codeword)", t_fwd, peak_fwd, exps_fwd / t_fwd,
              bytes_fwd / t_fwd);
  std::printf("%-42s %10.3f %10.2f %12.3g %12.3g\n", "BCJR VJP (codeword + grad)", t_vjp, peak_vjp, exps_vjp / t_vjp,
              bytes_vjp / t_vjp);
  std::printf("%-42s %10.3f %10.2f %12.3g %12.3g\n", "BCJR forward+VJP (one training step)", t_step,
              std::max(peak_fwd, peak_vjp), (exps_fwd + exps_vjp) / t_step, (bytes_fwd + bytes_vjp) / t_step);
  std::printf("\nViterbi: %.3g state-steps/s per pass (2 passes)\n", 2 * state_steps / t_vit);
  std::printf("floors: exp2-bound forward+VJP %.2f s (%.3g exp2 at %.3g/s); byte-bound %.2f s\n",
              (exps_fwd + exps_vjp) / exp_ceiling, exps_fwd + exps_vjp, exp_ceiling, (bytes_fwd + bytes_vjp) / bw);
  std::printf("unfused LibTorch reference (BCJR forward): %lld tiles in %.3f s -> %.1f s for the layer; "
              "fused kernels %.1fx faster; codeword rel. difference %.2e\n",
              (long long)ref_tiles, t_ref, t_ref_layer, t_ref_layer / t_fwd, ref_err);
  std::printf("checks: log Z finite %d, energies finite %d\n", int(torch::isfinite(fwd.log_z).all().item<bool>()),
              int(torch::isfinite(vr.energy).all().item<bool>()));
  const int failed = time_variants(w, g, s, cb, T);
  return failed ? 1 : 0;
#endif
}
