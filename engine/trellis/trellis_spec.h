// The shape of a bitshift trellis (docs/ALGORITHM.md section 1): L state bits, k bits per weight,
// V weights per step, tile length n. Every trellis entry point takes one and validates it, so
// that a bad --L or tile width fails with a message naming the parameter.
#pragma once

#include <cstdint>
#include <string>

namespace bcjr::trellis {

enum class Boundary { Free, TailBiting };

struct TrellisSpec {
  int L = 16;   // state bits, 2..16
  int k = 2;    // bits per weight, 1..4
  int V = 2;    // weights per step, 1 or 2
  int n = 256;  // weights per tile, a multiple of V

  int kv() const { return k * V; }             // bits per step
  int steps() const { return n / V; }          // N
  int64_t states() const { return int64_t(1) << L; }
  int symbols() const { return 1 << kv(); }    // branching 2^kV (successors = predecessors)
  int overlap_bits() const { return L - kv(); }
  // 2^(L-kV): the number of distinct tail-biting overlaps, also the number of predecessor groups.
  int64_t overlaps() const { return int64_t(1) << overlap_bits(); }
  // Throws bcjr::Error naming the first parameter out of range (L, k, V, kV > L, n, n % V).
  void validate() const;
  // As validate(), plus what the boundary needs: tail-biting needs n*k >= L so that each state is
  // a window of the circular bitstream.
  void validate(Boundary boundary) const;
  std::string describe() const;  // "L=16 k=2 V=2 n=256"
};

// "free" or "tailbiting" (also "tail-biting"); anything else is a bcjr::Error.
Boundary parse_boundary(const std::string& name);
const char* boundary_name(Boundary b);

// Largest 2^(L-kV) for which tail-biting is solved exactly by trying every overlap.
constexpr int64_t kMaxExactOverlaps = 256;

}  // namespace bcjr::trellis
