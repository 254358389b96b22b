#include "engine/trellis/codebook.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>

#include "engine/core/error.h"
#include "engine/core/npy.h"

namespace bcjr::trellis {
namespace {

void check_L(int L, const std::string& what) {
  BCJR_CHECK(L >= 2 && L <= 16, what, ": L = ", L, " is outside 2..16");
}

// IEEE binary16 bits to float, subnormals included (no reliance on a compiler half type).
float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | (uint32_t(127 - 15 - e) << 23) | ((mant & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float code_1mad(uint32_t s) {
  const uint32_t x = 34038481u * s + 76625530u;
  const uint32_t y = (x & 0xFF) + ((x >> 8) & 0xFF) + ((x >> 16) & 0xFF) + (x >> 24);
  return (float(y) - 510.0f) / 147.800537109375f;
}

float code_3inst(uint32_t s) {
  const uint32_t x = 89226354u * s + 64248484u;
  const uint32_t r = (x & 0x8FFF8FFFu) ^ 0x3B603B60u;
  return half_to_float(uint16_t(r >> 16)) + half_to_float(uint16_t(r & 0xFFFF));
}

void fill_hyb(Codebook& cb) {
  const uint32_t S = uint32_t(cb.states());
  cb.table.resize(size_t(S) * 2);
  for (uint32_t s = 0; s < S; ++s) {
    const uint32_t x = s * (s + 1u);
    const uint32_t idx = (x >> (15 - kHybLutBits)) & (kHybLutSize - 1);
    float a = cb.lut[2 * idx], b = cb.lut[2 * idx + 1];
    if (x & (1u << 15)) a = -a;
    cb.table[2 * s] = a;
    cb.table[2 * s + 1] = b;
  }
}

void check_table(const std::vector<float>& t, int L, int V, const std::string& what) {
  check_L(L, what);
  BCJR_CHECK(V == 1 || V == 2, what, ": V = ", V, " must be 1 or 2");
  BCJR_CHECK(int64_t(t.size()) == (int64_t(1) << L) * V, what, ": table has ", t.size(), " values, expected 2^", L,
             " x ", V, " = ", (int64_t(1) << L) * V);
  for (size_t i = 0; i < t.size(); ++i)
    BCJR_CHECK(std::isfinite(t[i]), what, ": entry ", i, " of the table is not finite");
}

}  // namespace

float Codebook::rms() const {
  double s = 0;
  for (float v : table) s += double(v) * v;
  return table.empty() ? 0.0f : float(std::sqrt(s / double(table.size())));
}

at::Tensor Codebook::table_tensor() const {
  auto t = torch::empty({states(), V}, torch::kFloat32);
  std::memcpy(t.data_ptr<float>(), table.data(), table.size() * sizeof(float));
  return t;
}

std::string Codebook::describe() const {
  std::string d = code + " (L=" + std::to_string(L) + ", V=" + std::to_string(V);
  if (code == "hyb") d += ", Q=" + std::to_string(kHybLutBits) + ", seed " + std::to_string(seed);
  if (code == "lut" && !source.empty()) d += ", " + source;
  return d + ")";
}

Codebook make_codebook(const std::string& code, int L, int V, uint64_t seed) {
  check_L(L, "codebook " + code);
  Codebook cb;
  cb.code = code;
  cb.L = L;
  cb.V = V;
  const uint32_t S = uint32_t(1) << L;
  if (code == "1mad" || code == "3inst") {
    BCJR_CHECK(V == 1, "codebook ", code, " has V = 1 (got V = ", V, ")");
    cb.table.resize(S);
    for (uint32_t s = 0; s < S; ++s) cb.table[s] = code == "1mad" ? code_1mad(s) : code_3inst(s);
    return cb;
  }
  if (code == "hyb") {
    BCJR_CHECK(V == 2, "codebook hyb has V = 2 (got V = ", V, ")");
    cb.seed = seed;
    cb.lut = hyb_kmeans_lut(seed);
    fill_hyb(cb);
    // Scale to RMS 1 over the states this L uses (not over the LUT), then rebuild from the LUT
    // so that table and LUT agree exactly.
    const float scale = 1.0f / cb.rms();
    for (float& v : cb.lut) v *= scale;
    fill_hyb(cb);
    return cb;
  }
  if (code == "lut") fail("codebook lut: give the table as a .npy file (--lut FILE)");
  fail("unknown code '", code, "' (expected 1mad, 3inst or hyb)");
}

Codebook codebook_from_table(std::vector<float> table, int L, int V, const std::string& source) {
  check_table(table, L, V, "codebook " + source);
  Codebook cb;
  cb.code = "lut";
  cb.L = L;
  cb.V = V;
  cb.source = source;
  cb.table = std::move(table);
  return cb;
}

Codebook codebook_from_npy(const std::string& path, int L, int V) {
  check_L(L, path);
  NpyArray a = read_npy(path);
  const int64_t S = int64_t(1) << L;
  const bool shape_ok = (a.shape.size() == 2 && a.shape[0] == S && a.shape[1] == V) ||
                        (V == 1 && a.shape.size() == 1 && a.shape[0] == S);
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(a.shape[i]);
  shape += ")";
  BCJR_CHECK(shape_ok, path, ": codebook shape ", shape, " does not match [2^L, V] = [", S, ", ", V, "]");
  std::vector<float> t(size_t(S) * V);
  if (a.descr == "<f4") {
    std::memcpy(t.data(), a.data.data(), t.size() * 4);
  } else if (a.descr == "<f8") {
    for (size_t i = 0; i < t.size(); ++i) {
      double d;
      std::memcpy(&d, a.data.data() + 8 * i, 8);
      t[i] = float(d);
    }
  } else {
    fail(path, ": codebook dtype ", a.descr, " is not float32 or float64");
  }
  return codebook_from_table(std::move(t), L, V, path);
}

Codebook hyb_codebook_from_lut(std::vector<float> lut, int L, uint64_t seed) {
  check_L(L, "hyb codebook");
  BCJR_CHECK(lut.size() == size_t(kHybLutSize) * 2, "hyb codebook: LUT has ", lut.size(), " values, expected ",
             kHybLutSize * 2);
  for (size_t i = 0; i < lut.size(); ++i) BCJR_CHECK(std::isfinite(lut[i]), "hyb codebook: LUT entry ", i, " is not finite");
  Codebook cb;
  cb.code = "hyb";
  cb.L = L;
  cb.V = 2;
  cb.seed = seed;
  cb.lut = std::move(lut);
  fill_hyb(cb);
  return cb;
}

}  // namespace bcjr::trellis
