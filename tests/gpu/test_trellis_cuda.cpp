// Parity of the CUDA trellis kernels with the CPU reference (engine/trellis): Viterbi, BCJR forward
// (fused posterior and posterior kernel) and VJP, every kernel variant, free and fixed-overlap
// boundaries, several (L, k, V, code), odd tile counts, batches that do not divide the tile count,
// tail-biting through the public API and its bitstreams, and the VJP against finite differences.
// Fresh random inputs every run (the seed is printed).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/bitstream.h"
#include "engine/trellis/codebook.h"
#include "tests/support/trellis_kernel_cases.h"
#include "engine/trellis/cuda_dispatch.h"
#include "engine/trellis/soft_quantize.h"
#include "engine/trellis/trellis_primitives.h"
#include "engine/trellis/viterbi.h"
#include "kernels/trellis_host.h"

namespace bcjr::trellis {
namespace {

using Config = test::TrellisCase;
using test::fresh_seed;
using test::rel_err;
using test::rel_err_floor;

// Specialised shapes (L=16 kV=4 V=2, L=16 kV=2 V=1) and the generic path, including kV = L
// (a single group), 2^kV = 256 and odd tile counts.
const std::vector<Config> kConfigs = {
    {16, 2, 2, "hyb", 256, 3}, {16, 2, 1, "1mad", 128, 3}, {10, 2, 2, "hyb", 64, 7},  {8, 1, 1, "3inst", 40, 9},
    {12, 3, 1, "lut", 36, 13}, {6, 2, 2, "lut", 16, 11},   {4, 2, 2, "hyb", 12, 5},   {9, 4, 2, "lut", 20, 3},
    {16, 1, 2, "hyb", 64, 3},
};


torch::Device cuda() { return torch::Device(torch::kCUDA, 0); }

Codebook make_code(const Config& c, uint64_t seed) { return test::case_codebook(c, seed); }

TrellisSpec spec_of(const Config& c) { return c.spec(); }

// Memory the caching allocator hands out next is filled with NaN (int32: 0x7FC00000, an impossible
// state), so an output element a kernel forgets to write cannot pass for a result.
void poison_cuda_cache() {
  std::vector<torch::Tensor> blocks;
  for (int64_t bytes : {int64_t(4) << 10, int64_t(64) << 10, int64_t(512) << 10, int64_t(2) << 20,
                        int64_t(16) << 20, int64_t(64) << 20})
    for (int i = 0; i < 6; ++i)
      blocks.push_back(torch::full({bytes / 4}, std::nanf(""), torch::TensorOptions().device(cuda())));
  torch::cuda::synchronize();
}


torch::Tensor random_overlap(const TrellisSpec& s, int tiles, uint64_t seed) {
  torch::manual_seed(seed + 1);
  return torch::randint(0, s.overlaps(), {tiles}, torch::kInt32);
}

void expect_legal_path(const torch::Tensor& states, const TrellisSpec& s, const torch::Tensor& overlap) {
  auto st = states.cpu();
  const int64_t G = s.overlaps();
  auto acc = st.accessor<int32_t, 2>();
  for (int64_t i = 0; i < st.size(0); ++i) {
    for (int t = 0; t < s.steps(); ++t) {
      ASSERT_GE(acc[i][t], 0) << "tile " << i << " step " << t;
      ASSERT_LT(acc[i][t], s.states()) << "tile " << i << " step " << t;
      if (t > 0) {
        ASSERT_EQ(acc[i][t] >> s.kv(), acc[i][t - 1] & (G - 1)) << "illegal transition, tile " << i << " step " << t;
      }
    }
    if (overlap.defined()) {
      const int o = overlap[i].item<int>();
      EXPECT_EQ(acc[i][0] >> s.kv(), o) << "start overlap, tile " << i;
      EXPECT_EQ(acc[i][s.steps() - 1] & (G - 1), o) << "end overlap, tile " << i;
    }
  }
}

double path_energy(const int32_t* st, const float* w, const TrellisSpec& s, const Codebook& cb) {
  double e = 0;
  for (int t = 0; t < s.steps(); ++t)
    for (int v = 0; v < s.V; ++v) {
      const double d = double(cb.row(st[t])[v]) - double(w[t * s.V + v]);
      e += d * d;
    }
  return e;
}

TEST(TrellisCuda, ViterbiMatchesCpu) {
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      const uint64_t seed = fresh_seed();
      SCOPED_TRACE(c.name() + (tb ? " fixed overlap" : " free") + " seed " + std::to_string(seed));
      const auto s = spec_of(c);
      const auto cb = make_code(c, seed);
      torch::manual_seed(seed);
      auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb.rms()).contiguous();
      auto ov = tb ? random_overlap(s, c.tiles, seed) : torch::Tensor();
      const auto ref = viterbi_cpu(w, s, cb, ov);
      poison_cuda_cache();
      const auto got = viterbi_cuda(w.to(cuda()), s, cb, tb ? ov.to(cuda()) : ov);
      ASSERT_TRUE(got.states.is_cuda());
      expect_legal_path(got.states, s, ov);
      auto gs = got.states.cpu().contiguous();
      auto ge = got.energy.cpu();
      auto rs = ref.states.contiguous();
      int same = 0;
      for (int i = 0; i < c.tiles; ++i) {
        const double eg = ge[i].item<double>(), er = ref.energy[i].item<double>();
        EXPECT_NEAR(eg, er, 1e-5 * (1 + std::abs(er))) << "energy, tile " << i;
        EXPECT_NEAR(eg, path_energy(gs.data_ptr<int32_t>() + i * s.steps(), w.data_ptr<float>() + i * c.n, s, cb),
                    1e-9 * (1 + std::abs(eg)))
            << "GPU energy is not its path's energy, tile " << i;
        same += torch::equal(gs[i], rs[i]);
      }
      // Different paths only at near-ties (energies equal to fp32 rounding, checked above).
      EXPECT_GE(same, c.tiles - (c.tiles + 3) / 4) << "paths identical in " << same << " of " << c.tiles << " tiles";
    }
  }
}

TEST(TrellisCuda, BcjrForwardMatchesCpu) {
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      for (double T : {0.5, 0.05}) {
        const uint64_t seed = fresh_seed();
        SCOPED_TRACE(c.name() + (tb ? " fixed overlap" : " free") + " T=" + std::to_string(T) + " seed " +
                     std::to_string(seed));
        const auto s = spec_of(c);
        const auto cb = make_code(c, seed);
        torch::manual_seed(seed);
        auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb.rms()).contiguous();
        auto ov = tb ? random_overlap(s, c.tiles, seed) : torch::Tensor();
        const auto ref = bcjr_cpu(w, s, cb, T, ov, torch::Tensor(), true);
        poison_cuda_cache();
        const auto got = bcjr_forward_cuda(w.to(cuda()), s, cb, T, tb ? ov.to(cuda()) : ov, true);
        ASSERT_TRUE(got.codeword.is_cuda());
        auto cw = got.codeword.cpu(), lz = got.log_z.cpu(), sm = got.symbol_marginals.cpu();
        ASSERT_TRUE(torch::isfinite(cw).all().item<bool>());
        ASSERT_TRUE(torch::isfinite(lz).all().item<bool>());
        ASSERT_TRUE(torch::isfinite(sm).all().item<bool>());
        EXPECT_LT(rel_err(cw, ref.codeword), 5e-4);
        const double lz_err = (lz - ref.log_z).abs().max().item<double>();
        EXPECT_LT(lz_err, 1e-5 * ref.log_z.abs().max().item<double>() + 2e-3) << "log Z";
        EXPECT_LT((sm - ref.symbol_marginals).abs().max().item<double>(), 5e-4) << "symbol marginals";
        EXPECT_LT((sm.sum(-1) - 1).abs().max().item<double>(), 1e-4) << "symbol marginals sum to 1";
        // With marginals the posterior kernel ran (the reference path); without, the posterior is
        // reduced inside the backward sweep.
        // Every kernel variant (kernels/bcjr_sweep.cuh) computes the fused path.
        for (int variant = 0; variant < ::bcjr::kernels::bcjr_variant_count(); ++variant) {
          SCOPED_TRACE("BCJR_CUDA_BCJR_VARIANT=" + std::to_string(variant));
          setenv("BCJR_CUDA_BCJR_VARIANT", std::to_string(variant).c_str(), 1);
          poison_cuda_cache();
          const auto fused = bcjr_forward_cuda(w.to(cuda()), s, cb, T, tb ? ov.to(cuda()) : ov, false);
          unsetenv("BCJR_CUDA_BCJR_VARIANT");
          EXPECT_LT(rel_err(fused.codeword.cpu(), cw), 2e-5) << "fused posterior vs posterior kernel";
          EXPECT_LT(rel_err(fused.codeword.cpu(), ref.codeword), 5e-4) << "fused posterior vs CPU";
          EXPECT_TRUE(torch::equal(fused.log_z.cpu(), lz)) << "the sweeps are shared";
        }
      }
    }
  }
}

TEST(TrellisCuda, BcjrVjpMatchesCpu) {
  for (const auto& c : kConfigs) {
    for (bool tb : {false, true}) {
      const double T = 0.2;
      const uint64_t seed = fresh_seed();
      SCOPED_TRACE(c.name() + (tb ? " fixed overlap" : " free") + " seed " + std::to_string(seed));
      const auto s = spec_of(c);
      const auto cb = make_code(c, seed);
      torch::manual_seed(seed);
      auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb.rms()).contiguous();
      auto g = torch::randn({c.tiles, c.n}).contiguous();
      auto ov = tb ? random_overlap(s, c.tiles, seed) : torch::Tensor();
      const auto ref = bcjr_cpu(w, s, cb, T, ov, g, false);
      // Every kernel variant (kernels/bcjr_sweep.cuh) against the CPU, and against the default
      // (first) to fp32 rounding.
      torch::Tensor gw0, cw0;
      const int count = ::bcjr::kernels::bcjr_variant_count(), first = ::bcjr::kernels::bcjr_default_variant();
      for (int i = 0; i < count; ++i) {
        const int variant = (first + i) % count;
        SCOPED_TRACE("BCJR_CUDA_BCJR_VARIANT=" + std::to_string(variant));
        setenv("BCJR_CUDA_BCJR_VARIANT", std::to_string(variant).c_str(), 1);
        poison_cuda_cache();
        const auto got = bcjr_vjp_cuda(w.to(cuda()), g.to(cuda()), s, cb, T, tb ? ov.to(cuda()) : ov);
        unsetenv("BCJR_CUDA_BCJR_VARIANT");
        auto gw = got.grad_w.cpu();
        auto cw = got.codeword.cpu();
        ASSERT_TRUE(torch::isfinite(gw).all().item<bool>());
        EXPECT_LT(rel_err_floor(gw, ref.grad_w, 1e-2), 2e-3) << "grad_w";
        EXPECT_LT(rel_err(cw, ref.codeword), 5e-4) << "codeword";
        if (i == 0) {
          gw0 = gw;
          cw0 = cw;
        } else {
          EXPECT_LT(rel_err_floor(gw, gw0, 1e-2), 1e-5) << "grad_w vs the default variant";
          EXPECT_LT(rel_err(cw, cw0), 1e-5) << "codeword vs the default variant";
        }
      }
    }
  }
}

// <g, codeword(w)> by central differences, on a handful of coordinates.
TEST(TrellisCuda, BcjrVjpMatchesFiniteDifferences) {
  for (const Config& c : {Config{8, 1, 2, "hyb", 16, 3}, Config{6, 2, 1, "lut", 12, 3}}) {
    const uint64_t seed = fresh_seed();
    SCOPED_TRACE(c.name() + " seed " + std::to_string(seed));
    const auto s = spec_of(c);
    const auto cb = make_code(c, seed);
    const double T = 0.5, eps = 2e-3;
    torch::manual_seed(seed);
    auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb.rms()).to(cuda());
    auto g = torch::randn({c.tiles, c.n}).to(cuda());
    const auto vjp = bcjr_vjp_cuda(w, g, s, cb, T, torch::Tensor());
    auto gw = vjp.grad_w.cpu();
    std::mt19937 rng{uint32_t(seed)};
    for (int probe = 0; probe < 12; ++probe) {
      const int i = int(rng() % c.tiles), j = int(rng() % c.n);
      auto wp = w.clone(), wm = w.clone();
      wp.index_put_({i, j}, w.index({i, j}) + eps);
      wm.index_put_({i, j}, w.index({i, j}) - eps);
      const double fp = (bcjr_forward_cuda(wp, s, cb, T, torch::Tensor(), false).codeword * g).sum().item<double>();
      const double fm = (bcjr_forward_cuda(wm, s, cb, T, torch::Tensor(), false).codeword * g).sum().item<double>();
      const double fd = (fp - fm) / (2 * eps);
      const double an = gw.index({i, j}).item<double>();
      EXPECT_NEAR(an, fd, 2e-2 * std::max(1.0, std::abs(fd))) << "tile " << i << " weight " << j;
    }
  }
}

// A workspace budget that forces batches which do not divide the tile count gives the same bits.
TEST(TrellisCuda, BatchesThatDoNotDivideTheTilesGiveTheSameResult) {
  const Config c{16, 2, 2, "hyb", 256, 7};
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto s = spec_of(c);
  const auto cb = make_code(c, seed);
  torch::manual_seed(seed);
  auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb.rms()).to(cuda());
  auto g = torch::randn({c.tiles, c.n}).to(cuda());
  const auto v_all = viterbi_cuda(w, s, cb, torch::Tensor());
  const auto b_all = bcjr_vjp_cuda(w, g, s, cb, 0.1, torch::Tensor());
  setenv("BCJR_CUDA_WORKSPACE_MB", "2", 1);  // Viterbi: 3 tiles a batch
  poison_cuda_cache();
  const auto v_b = viterbi_cuda(w, s, cb, torch::Tensor());
  setenv("BCJR_CUDA_WORKSPACE_MB", "20", 1);  // BCJR with VJP: 8.5 MB a tile, 2 a batch
  poison_cuda_cache();
  const auto b_b = bcjr_vjp_cuda(w, g, s, cb, 0.1, torch::Tensor());
  unsetenv("BCJR_CUDA_WORKSPACE_MB");
  EXPECT_TRUE(torch::equal(v_all.states, v_b.states));
  EXPECT_TRUE(torch::equal(v_all.energy, v_b.energy));
  EXPECT_TRUE(torch::equal(b_all.codeword, b_b.codeword));
  EXPECT_TRUE(torch::equal(b_all.grad_w, b_b.grad_w));
  EXPECT_TRUE(torch::equal(b_all.log_z, b_b.log_z));
  // The forward alone (fused posterior) and with symbol marginals (posterior kernel) as well.
  const auto f_all = bcjr_forward_cuda(w, s, cb, 0.1, torch::Tensor(), true);
  const auto f_free = bcjr_forward_cuda(w, s, cb, 0.1, torch::Tensor(), false);
  setenv("BCJR_CUDA_WORKSPACE_MB", "10", 1);  // forward: 4.2 MB a tile, 2 a batch
  poison_cuda_cache();
  const auto f_b = bcjr_forward_cuda(w, s, cb, 0.1, torch::Tensor(), true);
  const auto f_free_b = bcjr_forward_cuda(w, s, cb, 0.1, torch::Tensor(), false);
  unsetenv("BCJR_CUDA_WORKSPACE_MB");
  EXPECT_TRUE(torch::equal(f_all.symbol_marginals, f_b.symbol_marginals));
  EXPECT_TRUE(torch::equal(f_all.codeword, f_b.codeword));
  EXPECT_TRUE(torch::equal(f_free.codeword, f_free_b.codeword));
}

// Tail-biting through the public API (QTIP's two passes at L=16, every overlap at small L): the
// same paths as the CPU, and bitstreams that decode to the GPU's reconstruction.
TEST(TrellisCuda, TailBitingViterbiAndBitstreamsMatchCpu) {
  for (const Config& c : {Config{16, 2, 2, "hyb", 256, 5}, Config{8, 2, 2, "hyb", 32, 9}, Config{10, 2, 1, "1mad", 40, 7}}) {
    const uint64_t seed = fresh_seed();
    SCOPED_TRACE(c.name() + " seed " + std::to_string(seed));
    const auto s = spec_of(c);
    const auto cb = make_code(c, seed);
    torch::manual_seed(seed);
    auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb.rms()).contiguous();
    const auto ref = viterbi(w, s, cb, Boundary::TailBiting);
    poison_cuda_cache();
    const auto got = viterbi(w.to(cuda()), s, cb, Boundary::TailBiting);
    EXPECT_EQ(got.method, ref.method);
    const auto gs = got.states.cpu(), ge = got.energy.cpu();
    int same = 0;
    for (int i = 0; i < c.tiles; ++i) {
      EXPECT_NEAR(ge[i].item<double>(), ref.energy[i].item<double>(), 1e-5 * (1 + ref.energy[i].item<double>()));
      same += torch::equal(gs[i], ref.states[i]);
    }
    EXPECT_GE(same, c.tiles - (c.tiles + 3) / 4);
    const auto bits_gpu = pack_bitstream(gs, s);
    EXPECT_TRUE(torch::equal(unpack_bitstream(bits_gpu, s), gs));
    EXPECT_TRUE(torch::equal(decode_bitstream(bits_gpu, s, cb), got.codeword.cpu()))
        << "the GPU's bitstream does not decode to the GPU's reconstruction";
    EXPECT_TRUE(torch::equal(decode_bitstream(pack_bitstream(ref.states, s), s, cb), ref.codeword));
  }
}

TEST(TrellisCuda, TailBitingBcjrAndSoftQuantizeMatchCpu) {
  const Config c{10, 2, 2, "hyb", 64, 5};
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto s = spec_of(c);
  auto cb = std::make_shared<const Codebook>(make_code(c, seed));
  torch::manual_seed(seed);
  auto w = (torch::randn({c.tiles, c.n}) * 0.9 * cb->rms()).contiguous();
  BcjrOptions opt;
  opt.T = 0.1;
  opt.boundary = Boundary::TailBiting;
  for (auto method : {BcjrTailBiting::Exact, BcjrTailBiting::FixedOverlap}) {
    opt.tailbiting = method;
    const auto ref = bcjr_forward(w, s, *cb, opt);
    const auto got = bcjr_forward(w.to(cuda()), s, *cb, opt);
    EXPECT_EQ(got.method, ref.method);
    EXPECT_LT(rel_err(got.codeword.cpu(), ref.codeword), 5e-4) << ref.method;
    EXPECT_LT((got.log_z.cpu() - ref.log_z).abs().max().item<double>(), 1e-3) << ref.method;
  }
  // The autograd op: the same gradient on both devices.
  auto g = torch::randn({c.tiles, c.n});
  auto wc = w.clone().requires_grad_(true);
  auto wg = w.to(cuda()).requires_grad_(true);
  (soft_quantize(wc, s, cb, Boundary::Free, 0.3) * g).sum().backward();
  (soft_quantize(wg, s, cb, Boundary::Free, 0.3) * g.to(cuda())).sum().backward();
  EXPECT_LT(rel_err_floor(wg.grad().cpu(), wc.grad(), 1e-2), 2e-3);
}

TEST(TrellisCuda, BadInputsGiveErrorsThatNameTheProblem) {
  const Config c{8, 2, 2, "hyb", 32, 3};
  const auto s = spec_of(c);
  const auto cb = make_code(c, 1);
  auto w = torch::randn({c.tiles, c.n});
  auto expect_error = [](auto&& fn, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([&] { viterbi_cuda(w, s, cb, torch::Tensor()); }, "CUDA tensor");
  expect_error([&] { viterbi_cuda(torch::randn({3, 30}).to(cuda()), s, cb, torch::Tensor()); }, "[tiles, 32]");
  expect_error([&] { bcjr_forward_cuda(w.to(cuda()).to(torch::kDouble), s, cb, 0.1, torch::Tensor(), false); },
               "float32");
  expect_error([&] { bcjr_forward_cuda(w.to(cuda()), s, cb, -1.0, torch::Tensor(), false); }, "temperature");
  auto bad_ov = torch::full({c.tiles}, int(s.overlaps()), torch::TensorOptions().dtype(torch::kInt32).device(cuda()));
  expect_error([&] { viterbi_cuda(w.to(cuda()), s, cb, bad_ov); }, "overlap");
}

}  // namespace
}  // namespace bcjr::trellis
