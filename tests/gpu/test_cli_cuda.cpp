// The trellis commands with --device cuda: `bcjr viterbi` and `bcjr soft` run the same inputs on
// the CPU and on the GPU, and the files they write agree (Viterbi paths and bitstreams exactly,
// away from near-ties; soft codewords, gradients and marginals to fp32 tolerance).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/core/npy.h"
#include "engine/core/npy_tensor.h"
#include "tests/support/test_support.h"
#include "tests/support/trellis_kernel_cases.h"

using bcjr::test::bcjr_program;
using bcjr::test::fresh_seed;
using bcjr::test::rel_err;
using bcjr::test::run_command;
using bcjr::test::TempDir;

namespace {

torch::Tensor npy(const TempDir& dir, const std::string& name) { return bcjr::load_npy_tensor(dir.file(name)); }

// A bitstream file (uint16, which the .npy tensor reader leaves out: LibTorch 1.13 has no uint16)
// as int16 words with the same bits.
torch::Tensor bits(const TempDir& dir, const std::string& name) {
  const bcjr::NpyArray a = bcjr::read_npy(dir.file(name));
  EXPECT_EQ(a.descr, "<u2") << name;
  auto t = torch::empty(a.shape, torch::kInt16);
  std::memcpy(t.data_ptr(), a.data.data(), std::min(a.data.size(), size_t(t.numel()) * 2));
  return t;
}

}  // namespace

TEST(CliCuda, ViterbiOnTheGpuWritesWhatTheCpuWrites) {
  TempDir dir;
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  torch::manual_seed(seed);
  auto w = torch::randn({37, 256}) * 0.9;
  bcjr::save_npy_tensor(dir.file("w.npy"), w);
  for (const std::string boundary : {"free", "tailbiting"}) {
    SCOPED_TRACE(boundary);
    for (const std::string dev : {"cpu", "cuda"}) {
      const bool tb = boundary == "tailbiting";  // --bits: only a tail-biting path fits in n*k bits
      auto r = run_command(bcjr_program() + " viterbi --L 16 --k 2 --V 2 --code hyb --boundary " + boundary +
                           " --in " + dir.file("w.npy") + " --out " + dir.file("q-" + dev + ".npy") + " --states " +
                           dir.file("s-" + dev + ".npy") + (tb ? " --bits " + dir.file("b-" + dev + ".npy") : "") +
                           " --device " + dev);
      ASSERT_EQ(r.exit_code, 0) << r.out;
    }
    auto sc = npy(dir, "s-cpu.npy"), sg = npy(dir, "s-cuda.npy");
    ASSERT_EQ(sc.sizes(), sg.sizes());
    // Paths may differ only at near-ties (the GPU sums energies in another order): every tile's
    // squared error agrees, and most tiles are on the same path (the rule of TrellisCuda.ViterbiMatchesCpu).
    auto ec = (npy(dir, "q-cpu.npy") - w).pow(2).sum(1), eg = (npy(dir, "q-cuda.npy") - w).pow(2).sum(1);
    EXPECT_LT(((ec - eg).abs() / ec).max().item<double>(), 1e-5) << "per-tile squared error, CPU vs GPU";
    const auto rows = (sc == sg).all(1);
    const int64_t same = rows.sum().item<int64_t>();
    EXPECT_GE(same, 37 - (37 + 3) / 4) << same << " of 37 tiles on the same path";
    if (boundary == "tailbiting") {
      EXPECT_TRUE(torch::equal(bits(dir, "b-cpu.npy").index({rows}), bits(dir, "b-cuda.npy").index({rows})))
          << "bitstreams of the tiles on the same path";
    }
    EXPECT_TRUE(torch::equal(npy(dir, "q-cpu.npy").index({rows}), npy(dir, "q-cuda.npy").index({rows})))
        << "reconstructions of the tiles on the same path";
  }
}

TEST(CliCuda, SoftOnTheGpuWritesWhatTheCpuWrites) {
  TempDir dir;
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  torch::manual_seed(seed);
  bcjr::save_npy_tensor(dir.file("w.npy"), torch::randn({9, 64}) * 0.9);
  bcjr::save_npy_tensor(dir.file("g.npy"), torch::randn({9, 64}));
  for (const std::string dev : {"cpu", "cuda"}) {
    auto r = run_command(bcjr_program() + " soft --L 10 --k 2 --V 2 --code hyb --boundary free --T 0.2 --in " +
                         dir.file("w.npy") + " --out " + dir.file("c-" + dev + ".npy") + " --grad-in " +
                         dir.file("g.npy") + " --grad-out " + dir.file("dw-" + dev + ".npy") + " --marginals " +
                         dir.file("m-" + dev + ".npy") + " --device " + dev);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  EXPECT_LT(rel_err(npy(dir, "c-cuda.npy"), npy(dir, "c-cpu.npy")), 5e-4) << "soft codeword";
  EXPECT_LT(bcjr::test::rel_err_floor(npy(dir, "dw-cuda.npy"), npy(dir, "dw-cpu.npy"), 1e-2), 2e-3) << "gradient";
  EXPECT_LT((npy(dir, "m-cuda.npy") - npy(dir, "m-cpu.npy")).abs().max().item<double>(), 5e-4) << "marginals";
}
