// Picks the compiled instantiation for a trellis shape: specialised kernels for the shapes in
// production use (L=16 with kV=4, V=2: QTIP's HYB; L=16 with kV=2, V=1: 1mad/3inst at k=2), the
// generic path (L and kV read at run time) for every other L in 2..16, k in 1..4, V in 1..2.
#pragma once

#include <stdexcept>
#include <string>

#include "kernels/trellis_types.h"

namespace bcjr::kernels {

// Calls fn.template operator()<L, KV, V, K>() for the instantiation that serves (d, kind).
template <class Fn>
void dispatch_trellis(const TrellisDims& d, CodeKind kind, Fn&& fn) {
  if (d.V != 1 && d.V != 2) throw std::runtime_error("trellis kernels: V = " + std::to_string(d.V) + " must be 1 or 2");
  if (kind == CodeKind::Hyb && d.V != 2) throw std::runtime_error("trellis kernels: hyb needs V = 2");
  if (d.L == 16 && d.kv == 4 && d.V == 2) {
    if (kind == CodeKind::Hyb) return fn.template operator()<16, 4, 2, CodeKind::Hyb>();
    return fn.template operator()<16, 4, 2, CodeKind::Table>();
  }
  if (d.L == 16 && d.kv == 2 && d.V == 1) return fn.template operator()<16, 2, 1, CodeKind::Table>();
  if (d.V == 1) return fn.template operator()<0, 0, 1, CodeKind::Table>();
  if (kind == CodeKind::Hyb) return fn.template operator()<0, 0, 2, CodeKind::Hyb>();
  return fn.template operator()<0, 0, 2, CodeKind::Table>();
}

}  // namespace bcjr::kernels
