#include "engine/trellis/trellis_spec.h"

#include "engine/core/error.h"

namespace bcjr::trellis {

void TrellisSpec::validate() const {
  BCJR_CHECK(L >= 2 && L <= 16, "trellis: L = ", L, " is outside 2..16");
  BCJR_CHECK(k >= 1 && k <= 4, "trellis: k = ", k, " is outside 1..4");
  BCJR_CHECK(V == 1 || V == 2, "trellis: V = ", V, " must be 1 or 2");
  BCJR_CHECK(kv() <= L, "trellis: k*V = ", kv(), " bits per step exceeds L = ", L);
  BCJR_CHECK(n > 0, "trellis: tile length n = ", n, " must be positive");
  BCJR_CHECK(n % V == 0, "trellis: tile length n = ", n, " is not a multiple of V = ", V);
}

void TrellisSpec::validate(Boundary boundary) const {
  validate();
  if (boundary == Boundary::TailBiting)
    BCJR_CHECK(int64_t(n) * k >= L, "trellis: tail-biting needs n*k >= L (n = ", n, ", k = ", k, ", L = ", L,
               "): a tile's bitstream must hold one whole state");
}

std::string TrellisSpec::describe() const {
  return "L=" + std::to_string(L) + " k=" + std::to_string(k) + " V=" + std::to_string(V) + " n=" + std::to_string(n);
}

Boundary parse_boundary(const std::string& name) {
  if (name == "free") return Boundary::Free;
  if (name == "tailbiting" || name == "tail-biting") return Boundary::TailBiting;
  fail("unknown boundary '", name, "' (expected free or tailbiting)");
}

const char* boundary_name(Boundary b) { return b == Boundary::Free ? "free" : "tailbiting"; }

}  // namespace bcjr::trellis
