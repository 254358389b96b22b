// Trellis codes (docs/ALGORITHM.md section 2): the [2^L, V] table of codewords a state emits. The
// computed codes (1mad, 3inst, hyb) follow the formulas bit for bit; `lut` is any table from a
// .npy file. A Codebook records where it came from so that every result can name it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace at {
class Tensor;  // table_tensor() only; keeps ATen out of the hot-loop files that include this
}

namespace bcjr::trellis {

// Bits of the hyb LUT index (QTIP's Q) and its size.
constexpr int kHybLutBits = 9;
constexpr int kHybLutSize = 1 << kHybLutBits;

struct Codebook {
  std::string code;          // "1mad", "3inst", "hyb" or "lut"
  int L = 0, V = 0;
  uint64_t seed = 0;         // hyb: the seed of the k-means LUT
  std::string source;        // lut: the file it was read from
  std::vector<float> table;  // [2^L * V], row-major: state s emits table[s*V .. s*V+V-1]
  std::vector<float> lut;    // hyb only: [512 * 2], already scaled to RMS 1 over all 2^L states

  int64_t states() const { return int64_t(1) << L; }
  const float* row(int64_t s) const { return table.data() + s * V; }
  float rms() const;                  // sqrt(mean of table^2) over all entries
  at::Tensor table_tensor() const;    // a float32 [2^L, V] CPU copy
  std::string describe() const;       // e.g. "hyb (L=16, V=2, Q=9, seed 0)"
};

// code: 1mad (V=1), 3inst (V=1), hyb (V=2). Throws bcjr::Error for an unknown code, a V the code
// does not have, or L outside 2..16. hyb LUTs are cached per (seed), so repeated calls are cheap.
Codebook make_codebook(const std::string& code, int L, int V, uint64_t seed = 0);
// A [2^L, V] (or [2^L] when V = 1) float32/float64 table; checks shape and finiteness.
Codebook codebook_from_npy(const std::string& path, int L, int V);
// A table given in memory (e.g. a snapshot's): [2^L * V] floats, checked like a .npy one.
Codebook codebook_from_table(std::vector<float> table, int L, int V, const std::string& source);
// hyb rebuilt from a saved LUT ([512 * 2] floats, used as given, no rescaling).
Codebook hyb_codebook_from_lut(std::vector<float> lut, int L, uint64_t seed);

// The k-means LUT of the hyb code before scaling: 512 centroids of 2-D standard normal samples
// drawn from our own integer RNG, bit-identical on every platform. [512 * 2] floats.
std::vector<float> hyb_kmeans_lut(uint64_t seed);

}  // namespace bcjr::trellis
