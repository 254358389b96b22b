// The trellis of one small tile read as a one-dimensional spin chain (docs/PHYSICS.md): the bits of
// a path are the spins, each step's squared error ||c(s_t) - w_t||^2 is an L-spin coupling, and the
// Boltzmann weight is exp(-E/T). This unit holds the model and its exact range; the solvers are in
// chain_solver.h and thermodynamics.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::physics {

// The sizes the exact solvers accept. The cost grows as 2^(L-kV) * N * 2^L * 2^kV (tail-biting);
// beyond these the chain is a job for the BCJR of engine/trellis (`bcjr soft`), not for this one.
constexpr int kMaxExactL = 8;
constexpr int kMaxExactK = 2;
constexpr int kMaxExactN = 32;

// Throws bcjr::Error naming the first parameter outside the exact range, why, and what to use.
void check_exact_range(const trellis::TrellisSpec& spec, trellis::Boundary boundary);

struct SpinChain {
  trellis::TrellisSpec spec;
  trellis::Boundary boundary = trellis::Boundary::Free;
  trellis::Codebook codebook;
  std::vector<float> weights;       // the tile, n values
  std::vector<double> site_energy;  // [N * 2^L]: e_t(s) = ||c(s) - w_t||^2, in double

  int steps() const { return spec.steps(); }
  int states() const { return int(spec.states()); }
  int symbols() const { return spec.symbols(); }
  bool tailbiting() const { return boundary == trellis::Boundary::TailBiting; }
  double energy(int t, int s) const { return site_energy[size_t(t) * states() + s]; }
  // Legal steps s_{t-1} -> s_t (the same at every step; also s_{N-1} -> s_0 when tail-biting).
  int successor(int p, int u) const { return ((p << spec.kv()) | u) & (states() - 1); }
  int predecessor(int s, int j) const { return (j << spec.overlap_bits()) | (s >> spec.kv()); }
  bool legal(int p, int s) const { return successor(p, s & (symbols() - 1)) == s; }

  // The spins. A path is a bit string, most significant bit first, and state t is the L-bit
  // window starting at bit t*kV: L + (N-1)*kV bits with a free boundary, N*kV bits on a ring
  // (tail-biting, read modulo N*kV). The symbol u_t is the window's last kV bits.
  int bits() const;
  // Where stream bit i sits: a step whose window holds it, and the bit's position in that state
  // (0 = least significant).
  int bit_step(int i) const;
  int bit_position(int i) const;
  // The stream bits of a path of N states (checked to be legal).
  std::vector<int> path_bits(const std::vector<int>& path) const;
  // E(path) = sum_t e_t(s_t); throws if the path is not legal for the boundary.
  double path_energy(const std::vector<int>& path) const;
};

// Checks the range, the codebook's shape against the spec, and the weights (n values, finite).
SpinChain make_spin_chain(const trellis::TrellisSpec& spec, trellis::Boundary boundary, trellis::Codebook codebook,
                          std::vector<float> weights);

// A tile to play with: n Gaussian weights at 0.9 x the codebook's RMS (the scale QTIP quantises
// at), the same for the same seed on every platform.
std::vector<float> gaussian_tile(const trellis::Codebook& codebook, int n, uint64_t seed);

// The chain's ground state, found by the trellis Viterbi (exact over every tail-biting overlap).
struct GroundState {
  std::vector<int> states;  // N
  double energy = 0;        // E of that path, in double
  std::string method;       // the Viterbi method, e.g. "tailbiting-exact"
};
GroundState ground_state(const SpinChain& chain);

}  // namespace bcjr::physics
