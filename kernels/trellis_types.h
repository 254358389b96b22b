// Plain types shared by the kernels and their host-side launchers (no device code, so that
// ordinary C++ translation units can include it): the trellis shape and the code reference.
#pragma once

namespace bcjr::kernels {

enum class CodeKind : int { Table = 0, Hyb = 1 };

struct TrellisDims {
  int L, kv, V, n, N;  // state bits, bits per step (k*V), weights per step, tile length, steps
};

struct CodeRef {
  CodeKind kind;
  const float* table;  // [2^L * V], row-major (Table)
  const float* lut;    // [512 * 2] (Hyb); kernels copy it to shared memory
};

constexpr int kHybLutEntries = 512;  // Q = 9
// Log-weight of an excluded state (tail-biting start/end): finite, so that 0 * (-inf) never occurs
// and a group of excluded states still has a finite max.
constexpr float kLogZero = -1e30f;
constexpr float kCostInf = 1e30f;

}  // namespace bcjr::kernels
