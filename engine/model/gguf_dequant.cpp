// Decoding of ggml's block-quantised types to fp32, one function per type. Each block layout is
// given field by field above its decoder; "f16" is an IEEE half, all integers little-endian.
// The arithmetic follows ggml's reference decoders (float products in the same order), so the
// results equal the `gguf` Python package's dequantize() bit for bit (tests/model/test_gguf.cpp).
#include <c10/util/Half.h>

#include <cstring>

#include "engine/core/error.h"
#include "engine/model/gguf_types.h"

namespace bcjr::model {
namespace {

constexpr int64_t QK = 32;     // elements per block of the *_0 / *_1 types
constexpr int64_t QK_K = 256;  // elements per super-block of the K types

inline float f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return static_cast<float>(c10::Half(h, c10::Half::from_bits()));
}

inline float bf16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Q4_0 (18 bytes / 32): f16 d | u8 qs[16]. Element j (j < 16) is the low nibble of qs[j],
// element j + 16 the high nibble; value = (nibble - 8) * d.
void dequant_q4_0(const uint8_t* b, float* y) {
  const float d = f16(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
    y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

// Q4_1 (20 bytes / 32): f16 d | f16 m | u8 qs[16]. value = nibble * d + m.
void dequant_q4_1(const uint8_t* b, float* y) {
  const float d = f16(b), m = f16(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
    y[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
  }
}

// Q5_0 (22 bytes / 32): f16 d | u32 qh | u8 qs[16]. Bit j of qh is the fifth bit of element j,
// bit j + 16 that of element j + 16; value = (5-bit number - 16) * d.
void dequant_q5_0(const uint8_t* b, float* y) {
  const float d = f16(b);
  uint32_t qh;
  std::memcpy(&qh, b + 2, 4);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < 16; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10;
    const int h1 = (qh >> (j + 12)) & 0x10;
    y[j] = static_cast<float>(((qs[j] & 0x0F) | h0) - 16) * d;
    y[j + 16] = static_cast<float>(((qs[j] >> 4) | h1) - 16) * d;
  }
}

// Q5_1 (24 bytes / 32): f16 d | f16 m | u32 qh | u8 qs[16]. value = 5-bit number * d + m.
void dequant_q5_1(const uint8_t* b, float* y) {
  const float d = f16(b), m = f16(b + 2);
  uint32_t qh;
  std::memcpy(&qh, b + 4, 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < 16; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10;
    const int h1 = (qh >> (j + 12)) & 0x10;
    y[j] = static_cast<float>((qs[j] & 0x0F) | h0) * d + m;
    y[j + 16] = static_cast<float>((qs[j] >> 4) | h1) * d + m;
  }
}

// Q8_0 (34 bytes / 32): f16 d | i8 qs[32]. value = qs[j] * d.
void dequant_q8_0(const uint8_t* b, float* y) {
  const float d = f16(b);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(qs[j]) * d;
}

// The 6-bit scale and min of sub-block j (0..7) packed in the 12 scale bytes of Q4_K / Q5_K:
// sub-blocks 0-3 use the low 6 bits of bytes j and j + 4; sub-blocks 4-7 take their low 4 bits
// from byte j + 4 (scale: low nibble, min: high nibble) and their top 2 bits from the top bits
// of bytes j - 4 (scale) and j (min).
inline void scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q4_K (144 bytes / 256): f16 d | f16 dmin | u8 scales[12] | u8 qs[128]. Eight sub-blocks of 32;
// each 64 elements share 32 bytes of qs (low nibbles: first 32, high nibbles: next 32);
// value = d * scale(sub) * nibble - dmin * min(sub).
void dequant_q4_k(const uint8_t* b, float* y) {
  const float d = f16(b), dmin = f16(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* q = b + 16;
  int is = 0;
  for (int j = 0; j < QK_K; j += 64) {
    uint8_t sc, m;
    scale_min_k4(is, scales, &sc, &m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, scales, &sc, &m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) y[l] = d1 * static_cast<float>(q[l] & 0x0F) - m1;
    for (int l = 0; l < 32; ++l) y[32 + l] = d2 * static_cast<float>(q[l] >> 4) - m2;
    q += 32;
    y += 64;
    is += 2;
  }
}

// Q5_K (176 bytes / 256): f16 d | f16 dmin | u8 scales[12] | u8 qh[32] | u8 qs[128]. As Q4_K,
// with a fifth bit per element from qh: bit 2i of qh[l] for the low-nibble half of the i-th
// group of 64, bit 2i + 1 for its high-nibble half.
void dequant_q5_k(const uint8_t* b, float* y) {
  const float d = f16(b), dmin = f16(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* ql = b + 48;
  int is = 0;
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0; j < QK_K; j += 64) {
    uint8_t sc, m;
    scale_min_k4(is, scales, &sc, &m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, scales, &sc, &m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) y[l] = d1 * static_cast<float>((ql[l] & 0x0F) + (qh[l] & u1 ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l) y[32 + l] = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    ql += 32;
    y += 64;
    is += 2;
    u1 <<= 2;
    u2 <<= 2;
  }
}

// Q6_K (210 bytes / 256): u8 ql[128] | u8 qh[64] | i8 scales[16] | f16 d. Two halves of 128;
// in each, element l + 32k (l < 32, k < 4) takes 4 low bits from ql (nibble k / 2 of byte
// l + 32 (k % 2)) and 2 high bits from qh[l] (bits 2k, 2k + 1); value = d * scale * (q - 32)
// with one signed scale per 16 elements.
void dequant_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = f16(b + 208);
  for (int n = 0; n < QK_K; n += 128) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = static_cast<int>((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = static_cast<int>((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = static_cast<int>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = static_cast<int>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is + 0] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

// A whole row of plain values: "blocks" of one element.
void decode_f32(const uint8_t* b, float* y) {
  std::memcpy(y, b, 4);
}
void decode_f16(const uint8_t* b, float* y) {
  *y = f16(b);
}
void decode_bf16(const uint8_t* b, float* y) {
  *y = bf16(b);
}

using BlockDecoder = void (*)(const uint8_t*, float*);

struct TypeEntry {
  GgmlType type;
  GgmlTypeTraits traits;
  BlockDecoder decode;  // nullptr: geometry known (so files parse), values not decoded
};

// Block geometry from ggml; types missing here (the IQ family, ...) are refused by number.
const TypeEntry kTypes[] = {
    {GgmlType::F32, {"F32", 1, 4, true}, decode_f32},
    {GgmlType::F16, {"F16", 1, 2, true}, decode_f16},
    {GgmlType::BF16, {"BF16", 1, 2, true}, decode_bf16},
    {GgmlType::Q4_0, {"Q4_0", QK, 18, true}, dequant_q4_0},
    {GgmlType::Q4_1, {"Q4_1", QK, 20, true}, dequant_q4_1},
    {GgmlType::Q5_0, {"Q5_0", QK, 22, true}, dequant_q5_0},
    {GgmlType::Q5_1, {"Q5_1", QK, 24, true}, dequant_q5_1},
    {GgmlType::Q8_0, {"Q8_0", QK, 34, true}, dequant_q8_0},
    {GgmlType::Q8_1, {"Q8_1", QK, 36, false}, nullptr},
    {GgmlType::Q2_K, {"Q2_K", QK_K, 84, false}, nullptr},
    {GgmlType::Q3_K, {"Q3_K", QK_K, 110, false}, nullptr},
    {GgmlType::Q4_K, {"Q4_K", QK_K, 144, true}, dequant_q4_k},
    {GgmlType::Q5_K, {"Q5_K", QK_K, 176, true}, dequant_q5_k},
    {GgmlType::Q6_K, {"Q6_K", QK_K, 210, true}, dequant_q6_k},
    {GgmlType::Q8_K, {"Q8_K", QK_K, 292, false}, nullptr},
    {GgmlType::I8, {"I8", 1, 1, false}, nullptr},
    {GgmlType::I16, {"I16", 1, 2, false}, nullptr},
    {GgmlType::I32, {"I32", 1, 4, false}, nullptr},
    {GgmlType::I64, {"I64", 1, 8, false}, nullptr},
    {GgmlType::F64, {"F64", 1, 8, false}, nullptr},
};

const TypeEntry* find_type(uint32_t type) {
  for (const TypeEntry& e : kTypes)
    if (static_cast<uint32_t>(e.type) == type) return &e;
  return nullptr;
}

}  // namespace

GgmlTypeTraits ggml_type_traits(uint32_t type) {
  const TypeEntry* e = find_type(type);
  return e ? e->traits : GgmlTypeTraits{};
}

std::string ggml_type_name(GgmlType type) {
  const GgmlTypeTraits t = ggml_type_traits(static_cast<uint32_t>(type));
  return t.name ? t.name : "ggml type " + std::to_string(static_cast<uint32_t>(type));
}

void dequantize_row(GgmlType type, const uint8_t* src, float* dst, int64_t n) {
  const TypeEntry* e = find_type(static_cast<uint32_t>(type));
  BCJR_CHECK(e && e->decode, "dequantisation of ", ggml_type_name(type), " tensors is not supported");
  const GgmlTypeTraits& tr = e->traits;
  BCJR_CHECK(n % tr.block_size == 0, "dequantize_row: ", n, " elements is not a multiple of the ", tr.name,
             " block size ", tr.block_size);
  if (type == GgmlType::F32) {  // the common case of norms: one copy
    std::memcpy(dst, src, static_cast<size_t>(n) * 4);
    return;
  }
  for (int64_t blk = 0; blk < n / tr.block_size; ++blk) e->decode(src + blk * tr.type_size, dst + blk * tr.block_size);
}

}  // namespace bcjr::model
