// Torch-facing entry points of the trellis kernels: checks, allocation, batching, stream.
#include "kernels/trellis_host.h"

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include "kernels/bcjr_sweep.cuh"
#include "kernels/cuda_check.cuh"
#include "kernels/exp_ceiling.cuh"
#include "kernels/viterbi_sweep.cuh"
#include "kernels/workspace_batches.h"

namespace bcjr::kernels {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw std::runtime_error(msg); }

std::string shape_str(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

TrellisDims dims_of(const TrellisShapeArg& s) {
  if (s.L < 2 || s.L > 16) bad("trellis kernels: L = " + std::to_string(s.L) + " outside 2..16");
  if (s.k < 1 || s.k > 4) bad("trellis kernels: k = " + std::to_string(s.k) + " outside 1..4");
  if (s.V != 1 && s.V != 2) bad("trellis kernels: V = " + std::to_string(s.V) + " must be 1 or 2");
  if (s.k * s.V > s.L) bad("trellis kernels: kV = " + std::to_string(s.k * s.V) + " exceeds L = " + std::to_string(s.L));
  if (s.n < s.V || s.n % s.V != 0) bad("trellis kernels: n = " + std::to_string(s.n) + " is not a positive multiple of V");
  return TrellisDims{s.L, s.k * s.V, s.V, s.n, s.n / s.V};
}

void check_weights(const at::Tensor& w, const TrellisDims& d, const char* what) {
  if (!w.defined()) bad(std::string(what) + ": tensor is undefined");
  if (!w.is_cuda()) bad(std::string(what) + ": expected a CUDA tensor, got one on " + w.device().str());
  if (w.scalar_type() != at::kFloat) bad(std::string(what) + ": expected float32, got " + std::string(c10::toString(w.scalar_type())));
  if (w.dim() != 2 || w.size(1) != d.n)
    bad(std::string(what) + ": expected shape [tiles, " + std::to_string(d.n) + "], got " + shape_str(w));
  if (!w.is_contiguous()) bad(std::string(what) + ": must be contiguous");
}

void check_overlap(const at::Tensor& ov, const at::Tensor& w, const TrellisDims& d) {
  if (!ov.defined()) return;
  if (ov.device() != w.device()) bad("overlap: on " + ov.device().str() + ", weights on " + w.device().str());
  if (ov.scalar_type() != at::kInt) bad("overlap: expected int32, got " + std::string(c10::toString(ov.scalar_type())));
  if (ov.dim() != 1 || ov.size(0) != w.size(0) || !ov.is_contiguous())
    bad("overlap: expected contiguous [" + std::to_string(w.size(0)) + "], got " + shape_str(ov));
  if (ov.numel() > 0) {
    const int64_t lo = ov.min().item<int64_t>(), hi = ov.max().item<int64_t>();
    const int64_t G = int64_t(1) << (d.L - d.kv);
    if (lo < 0 || hi >= G)
      bad("overlap: values must lie in [0, " + std::to_string(G) + "), found " + std::to_string(lo) + ".." + std::to_string(hi));
  }
}

// The code's values on w's device, checked; returns the CodeRef the kernels read.
CodeRef code_ref(const CodeArg& code, const TrellisDims& d, const at::Tensor& w, at::Tensor& keep) {
  if (!code.values.defined()) bad("codebook: values are undefined");
  const int64_t want = code.hyb ? int64_t(kHybLutEntries) * 2 : (int64_t(1) << d.L) * d.V;
  if (code.values.numel() != want)
    bad(std::string("codebook: ") + (code.hyb ? "hyb LUT" : "table") + " has " + std::to_string(code.values.numel()) +
        " values, expected " + std::to_string(want));
  if (code.hyb && d.V != 2) bad("codebook: hyb needs V = 2");
  keep = code.values.to(w.device(), at::kFloat).contiguous();
  return CodeRef{code.hyb ? CodeKind::Hyb : CodeKind::Table, code.hyb ? nullptr : keep.data_ptr<float>(),
                 code.hyb ? keep.data_ptr<float>() : nullptr};
}

int64_t free_gpu_bytes() {
  size_t free_b = 0, total_b = 0;
  BCJR_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  return int64_t(free_b);
}

int64_t batch_tiles(int64_t tiles, int64_t bytes_per_tile) {
  const int64_t budget = std::min<int64_t>(workspace_budget_bytes(), free_gpu_bytes() / 2);
  const int64_t b = std::max<int64_t>(1, budget / std::max<int64_t>(1, bytes_per_tile));
  return std::min(tiles, b);
}

// Allocates a workspace for as many of `tiles` as fit (workspace_batches.h): `allocate(batch)`
// makes the tensors; an out-of-memory error halves the batch, with a line on stderr.
int64_t allocate_workspace(const char* what, int64_t tiles, int64_t bytes_per_tile,
                           const std::function<void(int64_t)>& allocate) {
  return allocate_shrinking(
      batch_tiles(tiles, bytes_per_tile), bytes_per_tile, free_gpu_bytes(), what,
      [&](int64_t batch) {
        if (injected_allocation_failure(batch)) return false;
        try {
          allocate(batch);
          return true;
        } catch (const c10::Error& e) {
          if (std::string(e.what()).find("out of memory") == std::string::npos) throw;
          c10::cuda::CUDACachingAllocator::emptyCache();  // what the failed attempt left cached
          return false;
        }
      },
      [](const std::string& line) { std::fprintf(stderr, "[bcjr] %s\n", line.c_str()); });
}

}  // namespace

int64_t workspace_budget_bytes() {
  if (const char* env = std::getenv("BCJR_CUDA_WORKSPACE_MB")) {
    const long long mb = std::atoll(env);
    if (mb > 0) return int64_t(mb) << 20;
  }
  return int64_t(24) << 30;
}

int bcjr_variant_count() { return kBcjrVariants; }
int bcjr_default_variant() { return kDefaultBcjrVariant; }

double exp2_ceiling_per_second() { return measure_exp2_per_second(at::cuda::getCurrentCUDAStream()); }

ViterbiTensors viterbi_cuda_tensors(const at::Tensor& w, const TrellisShapeArg& shape, const CodeArg& code,
                                    const at::Tensor& overlap) {
  const TrellisDims d = dims_of(shape);
  check_weights(w, d, "weights");
  check_overlap(overlap, w, d);
  const c10::cuda::CUDAGuard guard(w.device());
  at::Tensor keep;
  const CodeRef cref = code_ref(code, d, w, keep);
  const int64_t tiles = w.size(0);
  ViterbiTensors out;
  out.states = at::empty({tiles, d.N}, w.options().dtype(at::kInt));
  out.energy = at::empty({tiles}, w.options().dtype(at::kDouble));
  if (tiles == 0) return out;

  const int64_t per_tile = viterbi_cost_floats(d) * 4 + viterbi_choice_bytes(d) + 4;
  at::Tensor cost, choice, best;
  const int64_t batch = allocate_workspace("viterbi on cuda", tiles, per_tile, [&](int64_t b) {
    cost = choice = best = at::Tensor();
    cost = at::empty({b * viterbi_cost_floats(d)}, w.options());
    choice = at::empty({b * viterbi_choice_bytes(d)}, w.options().dtype(at::kByte));
    best = at::empty({b}, w.options().dtype(at::kInt));
  });
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  for (int64_t t0 = 0; t0 < tiles; t0 += batch) {
    const int64_t nb = std::min(batch, tiles - t0);
    ViterbiLaunch a{};
    a.d = d;
    a.code = cref;
    a.tiles = int(nb);
    a.w = w.data_ptr<float>() + t0 * d.n;
    a.overlap = overlap.defined() ? overlap.data_ptr<int32_t>() + t0 : nullptr;
    a.cost = cost.data_ptr<float>();
    a.choice = choice.data_ptr<uint8_t>();
    a.best_group = best.data_ptr<int32_t>();
    a.states = out.states.data_ptr<int32_t>() + t0 * d.N;
    a.energy = out.energy.data_ptr<double>() + t0;
    a.stream = stream;
    launch_viterbi(a);
  }
  return out;
}

BcjrTensors bcjr_cuda_tensors(const at::Tensor& w, const at::Tensor& grad, const TrellisShapeArg& shape,
                              const CodeArg& code, double T, const at::Tensor& overlap, bool want_marginals) {
  const TrellisDims d = dims_of(shape);
  check_weights(w, d, "weights");
  if (grad.defined()) {
    check_weights(grad, d, "grad_codeword");
    if (grad.size(0) != w.size(0) || grad.device() != w.device())
      bad("grad_codeword: shape " + shape_str(grad) + " on " + grad.device().str() + " does not match weights " +
          shape_str(w) + " on " + w.device().str());
  }
  if (!(T > 0) || !std::isfinite(T)) bad("temperature T = " + std::to_string(T) + " must be finite and > 0");
  check_overlap(overlap, w, d);
  const c10::cuda::CUDAGuard guard(w.device());
  at::Tensor keep;
  const CodeRef cref = code_ref(code, d, w, keep);
  const int64_t tiles = w.size(0);
  const int64_t S = int64_t(1) << d.kv;

  BcjrTensors out;
  out.codeword = at::empty({tiles, d.n}, w.options());
  at::Tensor log2z = at::empty({tiles}, w.options().dtype(at::kDouble));
  if (want_marginals) out.symbol_marginals = at::empty({tiles, d.N, S}, w.options());
  if (grad.defined()) out.grad_w = at::empty({tiles, d.n}, w.options());
  if (tiles > 0) {
    const int64_t ws = bcjr_workspace_floats(d);
    const int arrays = grad.defined() ? 4 : 2;
    at::Tensor work;
    const int64_t batch = allocate_workspace(grad.defined() ? "bcjr vjp on cuda" : "bcjr on cuda", tiles,
                                             ws * 4 * arrays, [&](int64_t b) {
                                               work = at::Tensor();
                                               work = at::empty({b * ws * arrays}, w.options());
                                             });
    float* base = work.data_ptr<float>();
    const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
    const int variant = bcjr_variant_from_env();
    for (int64_t t0 = 0; t0 < tiles; t0 += batch) {
      const int64_t nb = std::min(batch, tiles - t0);
      BcjrLaunch a{};
      a.d = d;
      a.code = cref;
      a.tiles = int(nb);
      a.T = float(T);
      a.w = w.data_ptr<float>() + t0 * d.n;
      a.g = grad.defined() ? grad.data_ptr<float>() + t0 * d.n : nullptr;
      a.overlap = overlap.defined() ? overlap.data_ptr<int32_t>() + t0 : nullptr;
      a.msg_f = base;
      a.msg_b = base + batch * ws;
      a.tan_f = grad.defined() ? base + 2 * batch * ws : nullptr;
      a.tan_b = grad.defined() ? base + 3 * batch * ws : nullptr;
      a.log2z = log2z.data_ptr<double>() + t0;
      a.codeword = out.codeword.data_ptr<float>() + t0 * d.n;
      a.grad = grad.defined() ? out.grad_w.data_ptr<float>() + t0 * d.n : nullptr;
      a.symbols = want_marginals ? out.symbol_marginals.data_ptr<float>() + t0 * d.N * S : nullptr;
      a.variant = variant;
      a.stream = stream;
      launch_bcjr(a);
    }
  }
  out.log_z = log2z * std::log(2.0);
  return out;
}

}  // namespace bcjr::kernels
