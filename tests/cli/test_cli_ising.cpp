// `bcjr ising` end to end: its JSON against an independent numpy enumeration of every path (both
// boundaries, V = 1 and 2, a LUT and a computed code), and its one-line errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>

#include "engine/core/npy_tensor.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::lines_of;
using bcjr::test::run_command;
using bcjr::test::TempDir;

namespace {

// Enumerates every legal path in numpy (a free path is s_0 and N-1 symbols; a ring is one of the
// 2^(N kV) circular bitstreams, state t the L-bit window at bit t kV) and checks the JSON.
const char* kNumpyCheck = R"(
import sys, json, itertools, numpy as np
d, L, k, V, boundary, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
w = np.load(f"{d}/w.npy")[0].astype(np.float64)
cb = np.load(f"{d}/cb.npy").astype(np.float64).reshape(2**L, V)
kv, N, S = k * V, len(w) // V, 2**L
B = 2**kv
paths = []
if boundary == "free":
    for s0 in range(S):
        for us in itertools.product(range(B), repeat=N - 1):
            p = [s0]
            for u in us:
                p.append(((p[-1] << kv) | u) & (S - 1))
            paths.append(p)
else:
    nb = N * kv
    for code in range(2**nb):
        bit = lambda i: (code >> (nb - 1 - (i % nb))) & 1
        paths.append([sum(bit(t * kv + j) << (L - 1 - j) for j in range(L)) for t in range(N)])
P = np.array(paths)
E = ((cb[P] - w.reshape(N, V)[None]) ** 2).sum(axis=(1, 2))
wt = np.exp(-(E - E.min()) / T)
Z = wt.sum()
prob = wt / Z
logZ = np.log(Z) - E.min() / T
Em = (prob * E).sum()
var = (prob * (E - Em) ** 2).sum()
F = -T * logZ
ref = {"logZ": logZ, "F": F, "E": Em, "S": (Em - F) / T, "C": var / T**2}
sym = np.zeros((N, B))
for t in range(N):
    np.add.at(sym[t], P[:, t] & (B - 1), prob)
j = json.load(open(f"{d}/out.json"))
for key, v in ref.items():
    assert abs(j[key] - v) <= 1e-9 * max(1.0, abs(v)), (key, j[key], v)
got = np.array(j["symbol_marginals"])
assert got.shape == (N, B), got.shape
assert np.abs(got - sym).max() < 1e-10, np.abs(got - sym).max()
assert abs(j["ground_state"]["energy"] - E.min()) < 1e-9
print("ising ok", len(paths), "paths")
)";

}  // namespace

TEST(CliIsing, JsonMatchesANumpyEnumerationOfEveryPath) {
  TempDir dir;
  std::ofstream(dir.file("check.py")) << kNumpyCheck;
  struct Case {
    int L, k, V, n;
    std::string code;  // "" = a random LUT
    double T;
  };
  for (const Case& c : std::vector<Case>{{4, 1, 1, 10, "", 0.3}, {4, 1, 2, 8, "", 0.05}, {3, 2, 1, 5, "1mad", 1.7}})
    for (std::string boundary : {"free", "tailbiting"}) {
      SCOPED_TRACE("L=" + std::to_string(c.L) + " V=" + std::to_string(c.V) + " " + boundary);
      bcjr::save_npy_tensor(dir.file("w.npy"), torch::randn({2, c.n}));
      std::string cb_option;
      if (c.code.empty()) {
        bcjr::save_npy_tensor(dir.file("cb.npy"), torch::randn({int64_t(1) << c.L, c.V}));
        cb_option = " --lut " + dir.file("cb.npy");
      } else {
        auto r = run_command(bcjr_program() + " codebook --L " + std::to_string(c.L) + " --k " + std::to_string(c.k) +
                             " --V " + std::to_string(c.V) + " --code " + c.code + " --out " + dir.file("cb.npy"));
        ASSERT_EQ(r.exit_code, 0) << r.out;
        cb_option = " --code " + c.code;
      }
      char T[32];
      std::snprintf(T, sizeof T, "%.17g", c.T);
      const std::string shape = " --L " + std::to_string(c.L) + " --k " + std::to_string(c.k) + " --V " + std::to_string(c.V);
      auto r = run_command(bcjr_program() + " ising" + shape + cb_option + " --boundary " + boundary + " --in " +
                           dir.file("w.npy") + " --T " + T + " --json " + dir.file("out.json"));
      ASSERT_EQ(r.exit_code, 0) << r.out;
      EXPECT_NE(r.out.find("log Z = "), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("C = Var(E)/T^2 = "), std::string::npos) << r.out;
      auto check = run_command(bcjr::test::python() + " " + dir.file("check.py") + " " + dir.path() + " " +
                               std::to_string(c.L) + " " + std::to_string(c.k) + " " + std::to_string(c.V) + " " +
                               boundary + " " + T);
      EXPECT_EQ(check.exit_code, 0) << check.out;
      EXPECT_NE(check.out.find("ising ok"), std::string::npos) << check.out;
    }
}

TEST(CliIsing, BadInputGivesOneLineAndANonZeroExit) {
  TempDir dir;
  bcjr::save_npy_tensor(dir.file("w.npy"), torch::randn({3, 8}));
  bcjr::save_npy_tensor(dir.file("w4.npy"), torch::randn({3, 4}));
  bcjr::save_npy_tensor(dir.file("w40.npy"), torch::randn({1, 40}));
  bcjr::save_npy_tensor(dir.file("w0.npy"), torch::randn({0, 8}));
  bcjr::save_npy_tensor(dir.file("cb.npy"), torch::randn({8, 1}));
  const std::string w = " --in " + dir.file("w.npy");
  struct Case {
    std::string args, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"--L 9 --k 1 --V 1 --code 1mad --boundary free --T 0.1" + w, "L = 9 is outside 2..8"},
           {"--L 12 --k 2 --V 2 --code hyb --boundary free --T 0.1" + w, "use `bcjr soft`"},
           {"--L 4 --k 3 --V 1 --code 1mad --boundary free --T 0.1" + w, "k = 3 is outside 1..2"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary free --T 0.1 --in " + dir.file("w40.npy"), "n = 40 weights"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary free --T 0.1 --in " + dir.file("w0.npy"), "no tiles"},
           {"--L 8 --k 1 --V 1 --code 1mad --boundary tailbiting --T 0.1 --in " + dir.file("w4.npy"), "n*k >= L"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary free --T 0" + w, "--T 0 must be positive"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary ring --T 0.1" + w, "unknown boundary 'ring'"},
           {"--L 4 --k 1 --V 1 --lut " + dir.file("cb.npy") + " --boundary free --T 0.1" + w, "cb.npy"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary free --T 0.1 --in " + dir.file("none.npy"), "none.npy"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary free" + w, "--T"},
           {"--L 4 --k 1 --V 1 --code 1mad --boundary free --T 0.1 --frobnicate 1" + w, "frobnicate"},
       }) {
    auto r = run_command(bcjr_program() + " ising " + c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(lines_of(r.out), 1) << c.args << "\n" << r.out;
  }
}
