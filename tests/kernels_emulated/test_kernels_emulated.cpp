// The CUDA trellis kernels' own code, run through the CPU emulation (kernels/emulation/), against
// the CPU reference: Viterbi, BCJR forward (codeword, log Z, symbol marginals) and VJP, free and
// fixed-overlap boundaries, the specialised shapes and the generic path. This is what CI (no GPU)
// can check of the kernels; tests/gpu repeats it on the device, at full size, with timing-free
// parity on real hardware.
#define BCJR_KERNEL_EMULATION 1

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "engine/trellis/codebook.h"
#include "tests/support/trellis_kernel_cases.h"
#include "engine/trellis/trellis_primitives.h"
#include "kernels/bcjr_sweep.cu"
#include "kernels/bcjr_sweep_kernels.cuh"
#include "kernels/viterbi_sweep.cu"
#include "kernels/viterbi_sweep_kernels.cuh"

namespace bcjr::trellis {
namespace {

namespace K = ::bcjr::kernels;

using Config = test::TrellisCase;
using test::fresh_seed;
using test::rel_err;
using test::rel_err_floor;

// L=16 runs the specialised instantiations (one short tile: every CUDA thread is a fiber);
// the rest the generic path, with kV = L (one group) and 2^kV = 256 among them.
const std::vector<Config> kConfigs = {
    {16, 2, 2, "hyb", 16, 1}, {16, 2, 1, "1mad", 8, 1}, {10, 2, 2, "hyb", 32, 3}, {8, 1, 1, "3inst", 20, 3},
    {6, 2, 2, "lut", 16, 3},  {4, 2, 2, "hyb", 12, 3},  {9, 4, 2, "lut", 12, 2},
};


Codebook make_code(const Config& c, uint64_t seed) { return test::case_codebook(c, seed); }

TrellisSpec spec_of(const Config& c) { return c.spec(); }

K::TrellisDims dims_of(const TrellisSpec& s) { return K::TrellisDims{s.L, s.kv(), s.V, s.n, s.steps()}; }

// The code as the kernels get it; hyb by its LUT, so the on-the-fly hash is what is tested.
struct CodeBuffers {
  std::vector<float> values;
  K::CodeRef ref{};
  explicit CodeBuffers(const Codebook& cb) {
    const bool hyb = cb.code == "hyb";
    values = hyb ? cb.lut : cb.table;
    ref = K::CodeRef{hyb ? K::CodeKind::Hyb : K::CodeKind::Table, hyb ? nullptr : values.data(),
                     hyb ? values.data() : nullptr};
  }
};

const float kPoison = std::nanf("");

struct SoftOut {
  torch::Tensor codeword, log_z, symbols, grad;
};

// How a run is launched: the separate posterior kernel instead of the fused backward sweep, tiles
// per launch (0: all), the emulation's fiber order (0: thread order, else shuffled per round), and
// the kernel variant (bcjr_sweep.cuh; the default unless a test asks for another).
struct RunOpts {
  bool posterior_kernel = false;
  int batch = 0;
  uint64_t schedule_seed = 0;
  int variant = K::kDefaultBcjrVariant;
};

SoftOut run_bcjr(const TrellisSpec& s, const Codebook& cb, const torch::Tensor& w, const torch::Tensor& g,
                 const torch::Tensor& ov, double T, bool symbols, const RunOpts& opts = RunOpts()) {
  const auto d = dims_of(s);
  const int tiles = int(w.size(0));
  CodeBuffers code(cb);
  const int batch = opts.batch > 0 ? std::min(opts.batch, tiles) : tiles;
  // Workspace for one batch only, reused (and left dirty) by the next, as the host code does.
  const int64_t ws = K::bcjr_workspace_floats(d) * batch;
  std::vector<float> msg_f(ws, kPoison), msg_b(ws, kPoison), tan_f(ws, kPoison), tan_b(ws, kPoison);
  SoftOut out;
  out.codeword = torch::full({tiles, s.n}, kPoison);
  out.grad = torch::full({tiles, s.n}, kPoison);
  out.symbols = torch::full({tiles, s.steps(), s.symbols()}, kPoison);
  auto log2z = torch::full({tiles}, double(kPoison), torch::kDouble);
  bcjr_emu::g_schedule_seed = opts.schedule_seed;
  for (int t0 = 0; t0 < tiles; t0 += batch) {
    const int nb = std::min(batch, tiles - t0);
    K::BcjrLaunch a{};
    a.d = d;
    a.code = code.ref;
    a.tiles = nb;
    a.T = float(T);
    a.w = w.data_ptr<float>() + int64_t(t0) * s.n;
    a.g = g.defined() ? g.data_ptr<float>() + int64_t(t0) * s.n : nullptr;
    a.overlap = ov.defined() ? ov.data_ptr<int32_t>() + t0 : nullptr;
    a.msg_f = msg_f.data();
    a.msg_b = msg_b.data();
    a.tan_f = tan_f.data();
    a.tan_b = tan_b.data();
    a.log2z = log2z.data_ptr<double>() + t0;
    a.codeword = out.codeword.data_ptr<float>() + int64_t(t0) * s.n;
    a.grad = g.defined() ? out.grad.data_ptr<float>() + int64_t(t0) * s.n : nullptr;
    a.symbols = symbols ? out.symbols.data_ptr<float>() + int64_t(t0) * s.steps() * s.symbols() : nullptr;
    a.posterior_kernel = opts.posterior_kernel;
    a.variant = opts.variant;
    K::launch_bcjr(a);
  }
  bcjr_emu::g_schedule_seed = 0;
  out.log_z = log2z * std::log(2.0);
  return out;
}

PathBatch run_viterbi(const TrellisSpec& s, const Codebook& cb, const torch::Tensor& w, const torch::Tensor& ov) {
  const auto d = dims_of(s);
  const int tiles = int(w.size(0));
  CodeBuffers code(cb);
  std::vector<float> cost(K::viterbi_cost_floats(d) * tiles, kPoison);
  std::vector<uint8_t> choice(K::viterbi_choice_bytes(d) * tiles, 0xEE);
  std::vector<int32_t> best(tiles, -7);
  PathBatch out;
  out.states = torch::full({tiles, s.steps()}, int32_t(0x7FC00000), torch::kInt32);
  out.energy = torch::full({tiles}, double(kPoison), torch::kDouble);
  K::ViterbiLaunch a{};
  a.d = d;
  a.code = code.ref;
  a.tiles = tiles;
  a.w = w.data_ptr<float>();
  a.overlap = ov.defined() ? ov.data_ptr<int32_t>() : nullptr;
  a.cost = cost.data();
  a.choice = choice.data();
  a.best_group = best.data();
  a.states = out.states.data_ptr<int32_t>();
  a.energy = out.energy.data_ptr<double>();
  K::launch_viterbi(a);
  return out;
}

// The obviously-right oracle: dense forward-backward over all 2^L states in double (no group
// structure, no normalisation tricks). Returns log Z and fills the soft codeword [n].
double dense_bcjr(const TrellisSpec& s, const Codebook& cb, const double* w, double T, int ov, double* codeword) {
  const int64_t S = s.states(), G = s.overlaps(), P = s.symbols();
  const int N = s.steps(), kv = s.kv();
  auto local = [&](int64_t st, int t) {
    double e = 0;
    for (int v = 0; v < s.V; ++v) {
      const double d = double(cb.row(st)[v]) - w[t * s.V + v];
      e += d * d;
    }
    return -e / T;
  };
  auto lse = [](const double* x, int64_t n, int64_t stride) {
    double mx = -INFINITY;
    for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i * stride]);
    if (mx == -INFINITY) return mx;
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i * stride] - mx);
    return mx + std::log(sum);
  };
  std::vector<double> a(size_t(N) * S), b(size_t(N) * S), tmp(P);
  for (int64_t st = 0; st < S; ++st) a[st] = (ov < 0 || (st >> kv) == ov) ? local(st, 0) : -INFINITY;
  for (int t = 1; t < N; ++t)
    for (int64_t st = 0; st < S; ++st) {
      for (int64_t p = 0; p < P; ++p) tmp[p] = a[size_t(t - 1) * S + p * G + (st >> kv)];
      a[size_t(t) * S + st] = local(st, t) + lse(tmp.data(), P, 1);
    }
  for (int64_t st = 0; st < S; ++st) b[size_t(N - 1) * S + st] = (ov < 0 || (st & (G - 1)) == ov) ? 0.0 : -INFINITY;
  for (int t = N - 2; t >= 0; --t)
    for (int64_t st = 0; st < S; ++st) {
      for (int64_t u = 0; u < P; ++u) {
        const int64_t nx = (st & (G - 1)) * P + u;
        tmp[u] = local(nx, t + 1) + b[size_t(t + 1) * S + nx];
      }
      b[size_t(t) * S + st] = lse(tmp.data(), P, 1);
    }
  std::vector<double> f(S);
  for (int64_t st = 0; st < S; ++st) f[st] = a[size_t(N - 1) * S + st] + b[size_t(N - 1) * S + st];
  const double log_z = lse(f.data(), S, 1);
  for (int t = 0; t < N; ++t)
    for (int v = 0; v < s.V; ++v) {
      double acc = 0;
      for (int64_t st = 0; st < S; ++st) {
        const double q = a[size_t(t) * S + st] + b[size_t(t) * S + st];
        if (q > -INFINITY) acc += std::exp(q - log_z) * cb.row(st)[v];
      }
      codeword[t * s.V + v] = acc;
    }
  return log_z;
}

struct DenseResult {
  torch::Tensor log_z, codeword, grad;  // double
};

// Oracle for every tile; with g, the VJP by central differences of <g, codeword> in double.
DenseResult dense_oracle(const TrellisSpec& s, const Codebook& cb, const torch::Tensor& w, const torch::Tensor& g,
                         const torch::Tensor& ov, double T) {
  const int tiles = int(w.size(0));
  auto wd = w.to(torch::kDouble).contiguous();
  DenseResult r{torch::zeros({tiles}, torch::kDouble), torch::zeros({tiles, s.n}, torch::kDouble), torch::Tensor()};
  if (g.defined()) r.grad = torch::zeros({tiles, s.n}, torch::kDouble);
  std::vector<double> cw(s.n), wp(s.n);
  for (int i = 0; i < tiles; ++i) {
    const int o = ov.defined() ? ov[i].item<int>() : -1;
    const double* wi = wd.data_ptr<double>() + i * s.n;
    r.log_z[i] = dense_bcjr(s, cb, wi, T, o, r.codeword.data_ptr<double>() + i * s.n);
    if (!g.defined()) continue;
    const float* gi = g.data_ptr<float>() + i * s.n;
    const double eps = 1e-5;
    for (int j = 0; j < s.n; ++j) {
      std::copy(wi, wi + s.n, wp.begin());
      double f[2];
      for (int side = 0; side < 2; ++side) {
        wp[j] = wi[j] + (side ? -eps : eps);
        dense_bcjr(s, cb, wp.data(), T, o, cw.data());
        f[side] = 0;
        for (int q = 0; q < s.n; ++q) f[side] += gi[q] * cw[q];
      }
      r.grad[i][j] = (f[0] - f[1]) / (2 * eps);
    }
  }
  return r;
}


struct Case {
  Config c;
  TrellisSpec s;
  Codebook cb;
  torch::Tensor w, g, ov;
  uint64_t seed;
};

Case make_case(const Config& c, bool fixed_overlap) {
  Case k{c, spec_of(c), Codebook{}, {}, {}, {}, fresh_seed()};
  k.cb = make_code(c, k.seed);
  torch::manual_seed(k.seed);
  k.w = (torch::randn({c.tiles, c.n}) * 0.9 * k.cb.rms()).contiguous();
  k.g = torch::randn({c.tiles, c.n}).contiguous();
  if (fixed_overlap) k.ov = torch::randint(0, k.s.overlaps(), {c.tiles}, torch::kInt32);
  return k;
}

std::string trace(const Case& k) {
  return k.c.name() + (k.ov.defined() ? " fixed overlap" : " free") + " seed " + std::to_string(k.seed);
}

TEST(KernelsEmulated, ViterbiMatchesCpu) {
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      const Case k = make_case(c, tb);
      SCOPED_TRACE(trace(k));
      const auto ref = viterbi_cpu(k.w, k.s, k.cb, k.ov);
      const auto got = run_viterbi(k.s, k.cb, k.w, k.ov);
      const int64_t G = k.s.overlaps();
      auto st = got.states.accessor<int32_t, 2>();
      for (int i = 0; i < c.tiles; ++i) {
        for (int t = 0; t < k.s.steps(); ++t) {
          ASSERT_GE(st[i][t], 0);
          ASSERT_LT(st[i][t], k.s.states());
          if (t > 0) {
            ASSERT_EQ(st[i][t] >> k.s.kv(), st[i][t - 1] & (G - 1)) << "illegal transition at step " << t;
          }
        }
        if (tb) {
          EXPECT_EQ(st[i][0] >> k.s.kv(), k.ov[i].item<int>());
          EXPECT_EQ(st[i][k.s.steps() - 1] & (G - 1), k.ov[i].item<int>());
        }
        const double er = ref.energy[i].item<double>();
        EXPECT_NEAR(got.energy[i].item<double>(), er, 1e-5 * (1 + er)) << "tile " << i;
      }
      // Exact ties follow the CPU's rule (smallest state); paths may still differ at near-ties that
      // fp32 rounds differently, which the energy check above bounds.
      int same = 0;
      for (int i = 0; i < c.tiles; ++i) same += torch::equal(got.states[i], ref.states[i]);
      EXPECT_GE(same, c.tiles - (c.tiles + 3) / 4) << "paths identical in " << same << " of " << c.tiles << " tiles";
    }
  }
}

TEST(KernelsEmulated, BcjrForwardMatchesCpu) {
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      for (double T : {0.5, 0.05}) {
        const Case k = make_case(c, tb);
        SCOPED_TRACE(trace(k) + " T=" + std::to_string(T));
        const auto ref = bcjr_cpu(k.w, k.s, k.cb, T, k.ov, torch::Tensor(), true);
        const auto got = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, true);
        const auto oracle = dense_oracle(k.s, k.cb, k.w, torch::Tensor(), k.ov, T);
        EXPECT_LT((got.log_z - oracle.log_z).abs().max().item<double>(), 1e-5 * oracle.log_z.abs().max().item<double>() + 1e-3)
            << "log Z against the dense double oracle";
        EXPECT_LT(rel_err(got.codeword, oracle.codeword), 2e-4) << "codeword against the dense double oracle";
        ASSERT_TRUE(torch::isfinite(got.codeword).all().item<bool>());
        ASSERT_TRUE(torch::isfinite(got.symbols).all().item<bool>());
        EXPECT_LT(rel_err(got.codeword, ref.codeword), 2e-4);
        EXPECT_LT((got.log_z - ref.log_z).abs().max().item<double>(), 1e-5 * ref.log_z.abs().max().item<double>() + 1e-3);
        EXPECT_LT((got.symbols - ref.symbol_marginals).abs().max().item<double>(), 2e-4);
      }
    }
  }
}

TEST(KernelsEmulated, BcjrVjpMatchesCpu) {
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      const Case k = make_case(c, tb);
      SCOPED_TRACE(trace(k));
      const double T = 0.2;
      const auto ref = bcjr_cpu(k.w, k.s, k.cb, T, k.ov, k.g, false);
      const auto got = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false);
      ASSERT_TRUE(torch::isfinite(got.grad).all().item<bool>());
      {  // finite differences of the dense oracle: 2n dense runs per tile
        const auto oracle = dense_oracle(k.s, k.cb, k.w, k.g, k.ov, T);
        EXPECT_LT(rel_err_floor(got.grad, oracle.grad, 1e-2), 1e-3) << "grad against finite differences of the dense oracle"
                                                        << (std::getenv("BCJR_DEBUG") ? "" : "") << "\ngot " << got.grad
                                                        << "\noracle " << oracle.grad;
      }
      EXPECT_LT(rel_err_floor(got.grad, ref.grad_w, 1e-2), 1e-3);
      EXPECT_LT(rel_err(got.codeword, ref.codeword), 2e-4);
      // With symbol marginals asked for too (`bcjr soft --grad-in --marginals`): the plain tangent
      // sweeps and the posterior kernel, which writes the gradient and the marginals.
      const auto ref_m = bcjr_cpu(k.w, k.s, k.cb, T, k.ov, k.g, true);
      const auto got_m = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, true);
      ASSERT_TRUE(torch::isfinite(got_m.symbols).all().item<bool>());
      EXPECT_LT((got_m.symbols - ref_m.symbol_marginals).abs().max().item<double>(), 2e-4) << "marginals with the VJP";
      EXPECT_LT(rel_err_floor(got_m.grad, ref_m.grad_w, 1e-2), 1e-3) << "grad with marginals";
      EXPECT_LT(rel_err(got_m.codeword, ref_m.codeword), 2e-4) << "codeword with marginals";
    }
  }
}

// The fused backward sweep (posterior reduced inside it) against the separate posterior kernel and
// the CPU reference: forward codeword and log Z, and the VJP, both boundaries, temperatures down to
// 0.02 (where fp32 gets tight and a covariance not formed around the dominant state would be noise).
TEST(KernelsEmulated, FusedPosteriorMatchesPosteriorKernelAndCpu) {
  RunOpts reference;
  reference.posterior_kernel = true;
  int checked = 0;
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      for (double T : {0.5, 0.1, 0.02}) {
        const Case k = make_case(c, tb);
        SCOPED_TRACE(trace(k) + " T=" + std::to_string(T));
        const auto cpu = bcjr_cpu(k.w, k.s, k.cb, T, k.ov, k.g, false);
        const auto fwd = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, false);
        const auto fwd_ref = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, false, reference);
        const auto vjp = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false);
        const auto vjp_ref = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false, reference);
        ASSERT_TRUE(torch::isfinite(fwd.codeword).all().item<bool>());
        ASSERT_TRUE(torch::isfinite(vjp.codeword).all().item<bool>());
        ASSERT_TRUE(torch::isfinite(vjp.grad).all().item<bool>());
        // The sweeps are shared, so log Z is the same computation on both paths.
        EXPECT_TRUE(torch::equal(fwd.log_z, fwd_ref.log_z));
        EXPECT_LT(rel_err(fwd.codeword, fwd_ref.codeword), 2e-5) << "fused codeword vs posterior kernel";
        EXPECT_LT(rel_err(vjp.codeword, vjp_ref.codeword), 2e-5) << "fused codeword (vjp) vs posterior kernel";
        EXPECT_LT(rel_err(fwd.codeword, cpu.codeword), 2e-4) << "fused codeword vs CPU";
        // A gradient at T = 0.02 is (2/T) times a covariance of fp32 quantities: compared in units of
        // its own size, with the floor for tiles that are nearly deterministic.
        const double tol = T < 0.05 ? 3e-3 : 1e-3;
        EXPECT_LT(rel_err_floor(vjp.grad, vjp_ref.grad, 1e-2), tol) << "fused grad vs posterior kernel";
        EXPECT_LT(rel_err_floor(vjp.grad, cpu.grad_w, 1e-2), tol) << "fused grad vs CPU";
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, int(kConfigs.size()) * 6);
}

// A code with exact ties of different (G, c) at step 0: c(s) = +-base[s & (G-1)], the sign from the
// top bit, and w_0 = 0, so s and s with its top bit flipped have the same weight (free boundary:
// M_0 is constant, and both share B_0) but opposite codewords. Which one a kernel takes as the
// covariance's reference changes the last bits of the gradient unless the choice is fixed.
Case tie_case(uint64_t seed) {
  const Config c{6, 2, 1, "lut", 12, 5};
  Case k{c, spec_of(c), Codebook{}, {}, {}, {}, seed};
  std::mt19937 rng{uint32_t(seed)};
  std::normal_distribution<float> normal;
  const int L = c.L, G = 1 << (L - c.k * c.V);
  std::vector<float> base(G), table(size_t(1) << L);
  for (auto& b : base) b = normal(rng);
  for (size_t s = 0; s < table.size(); ++s) table[s] = ((s >> (L - 1)) & 1 ? -1.f : 1.f) * base[s & (G - 1)];
  k.cb = codebook_from_table(table, L, c.V, "tie test table");
  torch::manual_seed(seed);
  k.w = (torch::randn({c.tiles, c.n}) * 0.9 * k.cb.rms()).contiguous();
  k.w.index_put_({torch::indexing::Slice(), 0}, 0.f);
  k.g = torch::randn({c.tiles, c.n}).contiguous();
  return k;
}

// Runs k (T = 0.1, VJP and forward, the forward with symbol marginals if asked) as `base` says, then
// in batches of 2 under each fiber schedule: every run must give the same bits.
void expect_batch_and_order_independent(const Case& k, const RunOpts& base, const std::vector<uint64_t>& schedules,
                                        bool symbols) {
  const double T = 0.1;
  const auto ref = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false, base);
  const auto ref_fwd = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, symbols, base);
  for (uint64_t sched : schedules) {
    RunOpts o = base;
    o.batch = 2;
    o.schedule_seed = sched;
    SCOPED_TRACE("schedule seed " + std::to_string(sched));
    const auto got = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false, o);
    EXPECT_TRUE(torch::equal(got.codeword, ref.codeword));
    EXPECT_TRUE(torch::equal(got.log_z, ref.log_z));
    EXPECT_TRUE(torch::equal(got.grad, ref.grad));
    const auto fwd = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, symbols, o);
    if (symbols) {
      EXPECT_TRUE(torch::equal(fwd.symbols, ref_fwd.symbols));
    }
    EXPECT_TRUE(torch::equal(fwd.codeword, ref_fwd.codeword));
    EXPECT_TRUE(torch::equal(fwd.log_z, ref_fwd.log_z));
  }
}

// Bitwise the same whatever the batching (tiles per launch, a workspace left dirty by the previous
// batch) and whatever order the emulation runs a block's threads in (a shared write that races
// would take a different winner): the fused path, the posterior kernel and its symbol marginals.
TEST(KernelsEmulated, BcjrIsBitwiseIndependentOfBatchingAndThreadOrder) {
  std::vector<Case> cases;
  cases.push_back(tie_case(fresh_seed()));
  cases.push_back(make_case({10, 2, 2, "hyb", 32, 5}, false));
  cases.push_back(make_case({10, 2, 2, "hyb", 32, 5}, true));
  cases.push_back(make_case({16, 2, 2, "hyb", 8, 3}, false));
  for (const Case& k : cases) {
    for (bool posterior_kernel : {false, true}) {
      SCOPED_TRACE(trace(k) + (posterior_kernel ? " posterior kernel" : " fused"));
      RunOpts base;
      base.posterior_kernel = posterior_kernel;
      expect_batch_and_order_independent(k, base, {uint64_t(1), uint64_t(7), fresh_seed() | 1}, true);
    }
  }
}

// The tie case above tests something only if its ties are there: the tied states carry opposite
// codewords and equal mass, so the soft codeword of step 0 is 0.
TEST(KernelsEmulated, TieCaseIsSymmetricAtStepZero) {
  const Case k = tie_case(fresh_seed());
  SCOPED_TRACE(trace(k));
  const auto got = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, 0.1, false, RunOpts{true, 0, 0});
  EXPECT_LT(got.codeword.select(1, 0).abs().max().item<double>(), 1e-6) << "E[c(s_0)] = 0 by symmetry";
}

// Every candidate variant of the kernels (bcjr_sweep.cuh) against the default path and the CPU
// reference, forward and VJP, both boundaries, T down to 0.02: the production instantiation (L16
// kV4 V2 hyb, whose lean sweep reads B_t and K_t as float4) and the generic path (scalar loads; a
// table code, for which variant 2 has no LUT to replicate). A variant does the default's
// operations in the default's order, so it must agree to fp32 rounding, far inside the CPU bound.
TEST(KernelsEmulated, BcjrVariantsMatchDefaultAndCpu) {
  const std::vector<Config> configs = {{16, 2, 2, "hyb", 16, 1}, {10, 2, 2, "hyb", 32, 3}, {6, 2, 2, "lut", 16, 3}};
  int checked = 0, bitwise = 0;
  for (const auto& c : configs) {
    for (bool tb : {false, true}) {
      for (double T : {0.5, 0.1, 0.02}) {
        const Case k = make_case(c, tb);
        SCOPED_TRACE(trace(k) + " T=" + std::to_string(T));
        const auto cpu = bcjr_cpu(k.w, k.s, k.cb, T, k.ov, k.g, false);
        const auto fwd0 = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, false);
        const auto vjp0 = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false);
        for (int variant = 0; variant < K::kBcjrVariants; ++variant) {
          if (variant == K::kDefaultBcjrVariant) continue;
          SCOPED_TRACE("variant " + std::to_string(variant));
          RunOpts o;
          o.variant = variant;
          const auto fwd = run_bcjr(k.s, k.cb, k.w, torch::Tensor(), k.ov, T, false, o);
          const auto vjp = run_bcjr(k.s, k.cb, k.w, k.g, k.ov, T, false, o);
          ASSERT_TRUE(torch::isfinite(fwd.codeword).all().item<bool>());
          ASSERT_TRUE(torch::isfinite(vjp.codeword).all().item<bool>());
          ASSERT_TRUE(torch::isfinite(vjp.grad).all().item<bool>());
          EXPECT_LT((fwd.log_z - fwd0.log_z).abs().max().item<double>(),
                    1e-6 * (1 + fwd0.log_z.abs().max().item<double>()));
          EXPECT_LT(rel_err(fwd.codeword, fwd0.codeword), 1e-5) << "forward codeword vs the default";
          EXPECT_LT(rel_err(vjp.codeword, vjp0.codeword), 1e-5) << "VJP codeword vs the default";
          EXPECT_LT(rel_err_floor(vjp.grad, vjp0.grad, 1e-2), 1e-5) << "grad vs the default";
          EXPECT_LT(rel_err(vjp.codeword, cpu.codeword), 2e-4) << "codeword vs CPU";
          const double tol = T < 0.05 ? 3e-3 : 1e-3;
          EXPECT_LT(rel_err_floor(vjp.grad, cpu.grad_w, 1e-2), tol) << "grad vs CPU";
          bitwise += torch::equal(vjp.grad, vjp0.grad) && torch::equal(vjp.codeword, vjp0.codeword) &&
                     torch::equal(fwd.codeword, fwd0.codeword);
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, int(configs.size()) * 6 * (K::kBcjrVariants - 1));
  std::cout << "variants bitwise equal to the default in " << bitwise << " of " << checked << " runs\n";
}

// Each variant is as deterministic as the default: bitwise the same whatever the batching and the
// order the emulation runs a block's threads in (the tie case included), forward and VJP.
TEST(KernelsEmulated, BcjrVariantsAreBitwiseIndependentOfBatchingAndThreadOrder) {
  std::vector<Case> cases;
  cases.push_back(tie_case(fresh_seed()));
  cases.push_back(make_case({10, 2, 2, "hyb", 32, 5}, true));
  cases.push_back(make_case({16, 2, 2, "hyb", 8, 3}, false));
  for (const Case& k : cases) {
    for (int variant = 0; variant < K::kBcjrVariants; ++variant) {
      if (variant == K::kDefaultBcjrVariant) continue;  // the other tests run the default
      SCOPED_TRACE(trace(k) + " variant " + std::to_string(variant));
      RunOpts base;
      base.variant = variant;
      expect_batch_and_order_independent(k, base, {uint64_t(7), fresh_seed() | 1}, false);
    }
  }
}

// The variant comes from BCJR_CUDA_BCJR_VARIANT; anything but a known variant number is an error
// that names the variable.
TEST(KernelsEmulated, BcjrVariantFromEnvironment) {
  unsetenv("BCJR_CUDA_BCJR_VARIANT");
  EXPECT_EQ(K::bcjr_variant_from_env(), K::kDefaultBcjrVariant);
  for (int v = 0; v < K::kBcjrVariants; ++v) {
    setenv("BCJR_CUDA_BCJR_VARIANT", std::to_string(v).c_str(), 1);
    EXPECT_EQ(K::bcjr_variant_from_env(), v);
  }
  for (const char* bad : {"-1", "x", "1x", "99"}) {
    setenv("BCJR_CUDA_BCJR_VARIANT", bad, 1);
    try {
      K::bcjr_variant_from_env();
      ADD_FAILURE() << "accepted BCJR_CUDA_BCJR_VARIANT=" << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("BCJR_CUDA_BCJR_VARIANT"), std::string::npos) << e.what();
    }
  }
  unsetenv("BCJR_CUDA_BCJR_VARIANT");
}

}  // namespace
}  // namespace bcjr::trellis
