// The trellis commands (codebook, viterbi, soft) end to end: the files they write, cross-checked
// with numpy (codes, bitstream layout) and with the engine, and their one-line errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>

#include "engine/core/npy_tensor.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/viterbi.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::lines_of;
using bcjr::test::run_command;
using bcjr::test::TempDir;
using namespace bcjr::trellis;

namespace {

std::string py_script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.file(name);
  std::ofstream(path) << body;
  return bcjr::test::python() + " " + path;
}

}  // namespace

TEST(CliTrellis, CodebookMatchesAnIndependentNumpyImplementationBitForBit) {
  TempDir dir;
  for (std::string code : {"1mad", "3inst"}) {
    auto r = run_command(bcjr_program() + " codebook --L 12 --k 2 --V 1 --code " + code + " --out " + dir.file(code + ".npy"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  auto check = py_script(dir, "codes.py", R"(
import sys, numpy as np
d = sys.argv[1]
s = np.arange(4096, dtype=np.uint64)
x = ((34038481 * s + 76625530) % 2**32).astype(np.uint32)
y = (x & 255) + ((x >> 8) & 255) + ((x >> 16) & 255) + (x >> 24)
mad = ((y.astype(np.float32) - np.float32(510)) / np.float32(147.800537109375)).astype(np.float32)
x = ((89226354 * s + 64248484) % 2**32).astype(np.uint32)
r = (x & np.uint32(0x8FFF8FFF)) ^ np.uint32(0x3B603B60)
hi = (r >> 16).astype(np.uint16).view(np.float16).astype(np.float32)
lo = (r & 0xFFFF).astype(np.uint16).view(np.float16).astype(np.float32)
inst = hi + lo
for name, ref in (("1mad", mad), ("3inst", inst)):
    got = np.load(f"{d}/{name}.npy")
    assert got.dtype == np.float32 and got.shape == (4096, 1), (name, got.dtype, got.shape)
    assert np.array_equal(got[:, 0].view(np.uint32), ref.view(np.uint32)), name
print("codes ok")
)");
  auto r = run_command(check + " " + dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("codes ok"), std::string::npos) << r.out;
}

TEST(CliTrellis, ViterbiWritesConsistentReconstructionStatesAndBitstream) {
  TempDir dir;
  auto w = torch::randn({7, 64});
  bcjr::save_npy_tensor(dir.file("w.npy"), w);
  auto r = run_command(bcjr_program() + " viterbi --L 10 --k 2 --V 2 --code hyb --boundary tailbiting --in " +
                       dir.file("w.npy") + " --out " + dir.file("q.npy") + " --states " + dir.file("s.npy") +
                       " --bits " + dir.file("b.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("tailbiting-exact"), std::string::npos) << r.out;
  // The same answer as the engine.
  TrellisSpec spec{10, 2, 2, 64};
  const Codebook cb = make_codebook("hyb", 10, 2);
  auto ref = viterbi(w, spec, cb, Boundary::TailBiting);
  EXPECT_TRUE(torch::equal(bcjr::load_npy_tensor(dir.file("q.npy")), ref.codeword));
  EXPECT_TRUE(torch::equal(bcjr::load_npy_tensor(dir.file("s.npy")), ref.states));
  // The documented bitstream layout, read by numpy: state t = the L-bit window at bit t*kV.
  auto check = py_script(dir, "bits.py", R"(
import sys, numpy as np
d = sys.argv[1]
b = np.load(f"{d}/b.npy"); s = np.load(f"{d}/s.npy")
assert b.dtype == np.uint16 and b.shape == (7, 8), (b.dtype, b.shape)
bits = np.unpackbits(b.astype('>u2').view(np.uint8), axis=1)  # MSB first
L, kv, nbits = 10, 4, 128
for i in range(7):
    for t in range(s.shape[1]):
        v = 0
        for j in range(L):
            v = (v << 1) | int(bits[i, (t * kv + j) % nbits])
        assert v == s[i, t], (i, t, v, s[i, t])
print("bits ok")
)");
  auto c = run_command(check + " " + dir.path());
  EXPECT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find("bits ok"), std::string::npos) << c.out;
}

TEST(CliTrellis, SoftWritesTheEngineSoftCodewordGradientAndMarginals) {
  TempDir dir;
  auto w = torch::randn({5, 24}), g = torch::randn({5, 24});
  bcjr::save_npy_tensor(dir.file("w.npy"), w);
  bcjr::save_npy_tensor(dir.file("g.npy"), g);
  auto cbt = torch::randn({256, 1});
  bcjr::save_npy_tensor(dir.file("cb.npy"), cbt);
  auto r = run_command(bcjr_program() + " soft --L 8 --k 2 --V 1 --lut " + dir.file("cb.npy") +
                       " --boundary free --T 0.2 --in " + dir.file("w.npy") + " --out " + dir.file("soft.npy") +
                       " --grad-in " + dir.file("g.npy") + " --grad-out " + dir.file("dw.npy") + " --marginals " +
                       dir.file("m.npy") + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  TrellisSpec spec{8, 2, 1, 24};
  const Codebook cb = codebook_from_npy(dir.file("cb.npy"), 8, 1);
  BcjrOptions opt;
  opt.T = 0.2;
  opt.symbol_marginals = true;
  auto ref = bcjr_vjp(w, g, spec, cb, opt);
  EXPECT_TRUE(torch::allclose(bcjr::load_npy_tensor(dir.file("soft.npy")), ref.codeword));
  EXPECT_TRUE(torch::allclose(bcjr::load_npy_tensor(dir.file("dw.npy")), ref.grad_w));
  auto m = bcjr::load_npy_tensor(dir.file("m.npy"));
  ASSERT_EQ(m.sizes(), torch::IntArrayRef({5, 24, 4}));
  EXPECT_TRUE(torch::allclose(m.sum(2), torch::ones({5, 24}), 1e-5, 1e-5));
}

TEST(CliTrellis, BadInputGivesOneLineAndANonZeroExit) {
  TempDir dir;
  bcjr::save_npy_tensor(dir.file("w.npy"), torch::randn({3, 8}));
  bcjr::save_npy_tensor(dir.file("w64.npy"), torch::randn({3, 8}, torch::kFloat64));
  bcjr::save_npy_tensor(dir.file("w1d.npy"), torch::randn({8}));
  bcjr::save_npy_tensor(dir.file("w9.npy"), torch::randn({3, 9}));
  auto nan = torch::randn({3, 8});
  nan[2][5] = NAN;
  bcjr::save_npy_tensor(dir.file("nan.npy"), nan);
  const std::string base = bcjr_program() + " soft --k 2 --V 2 --code hyb --boundary free --out " + dir.file("o.npy");
  struct Case {
    std::string args, expect;
  };
  for (const Case& c : std::vector<Case>{
           {" --L 8 --T 0.1 --in " + dir.file("w64.npy"), "expected float32"},
           {" --L 8 --T 0.1 --in " + dir.file("w1d.npy"), "expected [tiles, n]"},
           {" --L 8 --T 0.1 --in " + dir.file("w9.npy"), "not a multiple of --V"},
           {" --L 17 --T 0.1 --in " + dir.file("w.npy"), "--L 17 is outside 2..16"},
           {" --L 1 --T 0.1 --in " + dir.file("w.npy"), "--L 1 is outside 2..16"},
           {" --L 8 --T 0 --in " + dir.file("w.npy"), "--T 0 must be positive"},
           {" --L 8 --T -1 --in " + dir.file("w.npy"), "must be positive"},
           {" --L 8 --T 0.1 --in " + dir.file("nan.npy"), "non-finite"},
           {" --L 8 --T 0.1 --in " + dir.file("missing.npy"), "missing.npy"},
           {" --L 8 --T 0.1 --in " + dir.file("w.npy") + " --device cuda", "built without CUDA kernels"},
       }) {
    auto r = run_command(base + c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(lines_of(r.out), 1) << c.args << "\n" << r.out;
  }
  auto r = run_command(bcjr_program() + " viterbi --L 8 --k 2 --V 2 --code hyb --boundary free --in " +
                       dir.file("w.npy") + " --out " + dir.file("o.npy") + " --bits " + dir.file("b.npy"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--bits needs --boundary tailbiting"), std::string::npos) << r.out;
  r = run_command(bcjr_program() + " viterbi --L 8 --k 2 --V 2 --code hyb --lut " + dir.file("w.npy") +
                  " --boundary free --in " + dir.file("w.npy") + " --out " + dir.file("o.npy"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("exactly one of --code and --lut"), std::string::npos) << r.out;
  r = run_command(bcjr_program() + " codebook --L 8 --k 2 --V 1 --code hyb --out " + dir.file("c.npy"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("hyb has V = 2"), std::string::npos) << r.out;
}
