// bench/trellis_cpu: tiles per second of the CPU trellis (Viterbi, BCJR forward = soft codeword,
// BCJR forward + VJP) at L = 12 and 16, k = 2, V = 2, n = 256, free boundary, hyb code, against a
// straightforward reference in this binary (per-predecessor gather and log-sum-exp per step,
// full forward and backward messages stored, as the paper's reference implementation does),
// and the floor of one exp per state per step per sweep at this CPU's measured exp throughput.
//   usage: trellis_cpu [--threads N] [--tiles16 N] [--tiles12 N]
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/core/parallel.h"
#include "engine/core/runtime.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/tile_solvers.h"
#include "engine/trellis/viterbi.h"

using namespace bcjr::trellis;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ------------------------------------------------------------------ the straightforward reference
struct Reference {
  TrellisSpec spec;
  const Codebook& cb;
  double T;
  std::vector<int32_t> pred;  // [S * B]
  Reference(const TrellisSpec& s, const Codebook& c, double t) : spec(s), cb(c), T(t) {
    const int64_t S = s.states(), B = s.symbols();
    pred.resize(S * B);
    for (int64_t st = 0; st < S; ++st)
      for (int64_t j = 0; j < B; ++j) pred[st * B + j] = int32_t((j << (s.L - s.kv())) | (st >> s.kv()));
  }
  float local(const float* w, int t, int64_t s) const {
    float d = 0;
    for (int v = 0; v < spec.V; ++v) {
      const float e = cb.table[s * spec.V + v] - w[t * spec.V + v];
      d += e * e;
    }
    return -d / float(T);
  }
  // Soft codeword and (if g) the VJP, by gathering predecessors / successors state by state.
  void run(const float* w, const float* g, float* codeword, float* grad) const {
    const int64_t S = spec.states(), B = spec.symbols();
    const int N = spec.steps(), V = spec.V, kv = spec.kv();
    std::vector<float> a(size_t(N) * S), b(size_t(N) * S), at, bt;
    if (g) {
      at.resize(a.size());
      bt.resize(b.size());
    }
    auto h = [&](int t, int64_t s) {
      float x = 0;
      for (int v = 0; v < V; ++v) x += g[t * V + v] * cb.table[s * V + v];
      return x;
    };
    std::vector<float> vals(B);
    for (int64_t s = 0; s < S; ++s) {
      a[s] = local(w, 0, s);
      if (g) at[s] = h(0, s);
    }
    for (int t = 1; t < N; ++t)
      for (int64_t s = 0; s < S; ++s) {
        float m = -INFINITY;
        for (int64_t j = 0; j < B; ++j) m = std::max(m, vals[j] = a[size_t(t - 1) * S + pred[s * B + j]]);
        float sum = 0, tan = 0;
        for (int64_t j = 0; j < B; ++j) {
          const float e = std::exp(vals[j] - m);
          sum += e;
          if (g) tan += e * at[size_t(t - 1) * S + pred[s * B + j]];
        }
        a[size_t(t) * S + s] = local(w, t, s) + m + std::log(sum);
        if (g) at[size_t(t) * S + s] = h(t, s) + tan / sum;
      }
    for (int64_t s = 0; s < S; ++s) b[size_t(N - 1) * S + s] = 0;
    for (int t = N - 2; t >= 0; --t)
      for (int64_t s = 0; s < S; ++s) {
        float m = -INFINITY;
        for (int64_t u = 0; u < B; ++u) {
          const int64_t nx = ((s << kv) | u) & (S - 1);
          m = std::max(m, vals[u] = local(w, t + 1, nx) + b[size_t(t + 1) * S + nx]);
        }
        float sum = 0, tan = 0;
        for (int64_t u = 0; u < B; ++u) {
          const int64_t nx = ((s << kv) | u) & (S - 1);
          const float e = std::exp(vals[u] - m);
          sum += e;
          if (g) tan += e * (h(t + 1, nx) + bt[size_t(t + 1) * S + nx]);
        }
        b[size_t(t) * S + s] = m + std::log(sum);
        if (g) bt[size_t(t) * S + s] = tan / sum;
      }
    float mx = -INFINITY;
    for (int64_t s = 0; s < S; ++s) mx = std::max(mx, a[size_t(N - 1) * S + s]);
    double z = 0;
    for (int64_t s = 0; s < S; ++s) z += std::exp(a[size_t(N - 1) * S + s] - mx);
    const float log_z = mx + float(std::log(z));
    for (int t = 0; t < N; ++t) {
      double mean[2] = {0, 0}, EA = 0, EAc[2] = {0, 0};
      for (int64_t s = 0; s < S; ++s) {
        const double p = std::exp(a[size_t(t) * S + s] + b[size_t(t) * S + s] - log_z);
        for (int v = 0; v < V; ++v) mean[v] += p * cb.table[s * V + v];
        if (g) {
          const double A = at[size_t(t) * S + s] + bt[size_t(t) * S + s];
          EA += p * A;
          for (int v = 0; v < V; ++v) EAc[v] += p * A * cb.table[s * V + v];
        }
      }
      for (int v = 0; v < V; ++v) {
        codeword[t * V + v] = float(mean[v]);
        if (g) grad[t * V + v] = float(2.0 / T * (EAc[v] - EA * mean[v]));
      }
    }
  }
};

// libm's expf on one thread, for comparison with exp_fast.
double libm_exp_rate() {
  std::vector<float> x(1 << 16), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = -20.0f * float(i) / float(x.size());
  int64_t count = 0;
  auto t0 = Clock::now();
  while (seconds_since(t0) < 0.5) {
    for (size_t i = 0; i < x.size(); ++i) y[i] = std::exp(x[i]);
    count += int64_t(x.size());
  }
  const double rate = double(count) / seconds_since(t0);
  if (y[7] == 42.0f) std::puts("");
  return rate;
}

template <typename F>
double time_it(F&& f, double min_s = 1.0) {
  int reps = 0;
  auto t0 = Clock::now();
  do {
    f();
    ++reps;
  } while (seconds_since(t0) < min_s);
  return seconds_since(t0) / reps;
}

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = bcjr::set_thread_count(arg_int(argc, argv, "--threads", 0));
  const double fast_exp = exp_fast_throughput(0.5), libm_exp = libm_exp_rate();
  std::printf("threads %d\nexp throughput per thread: exp_fast %.3g /s, std::exp %.3g /s\n", threads, fast_exp, libm_exp);
  std::printf("%-4s %-18s %12s %12s %8s %12s %8s\n", "L", "operation", "tiles/s", "ref tiles/s", "ratio",
              "floor tiles/s", "of floor");
  for (int L : {12, 16}) {
    TrellisSpec spec{L, 2, 2, 256};
    const Codebook cb = make_codebook("hyb", L, 2);
    const int tiles = arg_int(argc, argv, L == 16 ? "--tiles16" : "--tiles12", L == 16 ? 2 * threads : 16 * threads);
    std::mt19937_64 rng(1);
    std::normal_distribution<float> nd(0.0f, 0.9f);
    auto w = torch::empty({tiles, spec.n});
    auto g = torch::empty({tiles, spec.n});
    for (int64_t i = 0; i < w.numel(); ++i) {
      w.data_ptr<float>()[i] = nd(rng);
      g.data_ptr<float>()[i] = nd(rng);
    }
    BcjrOptions opt;
    opt.T = 0.1;
    const double t_vit = time_it([&] { viterbi(w, spec, cb, Boundary::Free); });
    const double t_fwd = time_it([&] { bcjr_forward(w, spec, cb, opt); });
    const double t_vjp = time_it([&] { bcjr_vjp(w, g, spec, cb, opt); });
    // The reference on as many tiles, same threads.
    Reference ref(spec, cb, opt.T);
    const int ref_tiles = threads;
    std::vector<float> cw(size_t(ref_tiles) * spec.n), gr(cw.size());
    auto run_ref = [&](bool with_grad) {
      bcjr::parallel_for(ref_tiles, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          ref.run(w.data_ptr<float>() + i * spec.n, with_grad ? g.data_ptr<float>() + i * spec.n : nullptr,
                  cw.data() + i * spec.n, gr.data() + i * spec.n);
      });
    };
    const double t_ref_fwd = time_it([&] { run_ref(false); }, 0.1) / ref_tiles;
    const double t_ref_vjp = time_it([&] { run_ref(true); }, 0.1) / ref_tiles;
    // Same answers? (the reference is fp32 with libm exp; a sanity check, the tests do it properly)
    auto mine = bcjr_vjp(w.slice(0, 0, ref_tiles), g.slice(0, 0, ref_tiles), spec, cb, opt);
    double dcw = 0, dgr = 0;
    for (size_t i = 0; i < cw.size(); ++i) {
      dcw = std::max(dcw, double(std::abs(cw[i] - mine.codeword.data_ptr<float>()[i])));
      dgr = std::max(dgr, double(std::abs(gr[i] - mine.grad_w.data_ptr<float>()[i])));
    }
    const double state_steps = double(spec.states()) * spec.steps();
    const double floor_rate = fast_exp * threads / state_steps;  // tiles/s for one sweep
    auto row = [&](const char* op, double t_tile, double t_ref_tile, int sweeps) {
      const double rate = 1.0 / t_tile;
      char ref_s[32] = "-", ratio_s[32] = "-";
      if (t_ref_tile > 0) {
        std::snprintf(ref_s, sizeof ref_s, "%.3g", 1.0 / t_ref_tile);
        std::snprintf(ratio_s, sizeof ratio_s, "%.1fx", t_ref_tile / t_tile);
      }
      std::printf("%-4d %-18s %12.3g %12s %8s %12.3g %7.0f%%\n", L, op, rate, ref_s, ratio_s, floor_rate / sweeps,
                  100.0 * rate / (floor_rate / sweeps));
    };
    row("viterbi", t_vit / tiles, 0, 1);
    row("bcjr forward", t_fwd / tiles, t_ref_fwd, 2);
    row("bcjr forward+vjp", t_vjp / tiles, t_ref_vjp, 2);
    std::printf("     (reference agrees: max |d codeword| %.2g, max |d grad| %.2g)\n", dcw, dgr);
  }
  std::printf("machine: %d threads; floor = exp_fast throughput x threads / (2^L x N) per sweep; BCJR = 2 sweeps\n",
              threads);
  return 0;
}
