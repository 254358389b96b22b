// ggml's tensor element types as stored in GGUF files, their block geometry, and the
// dequantisation of the block-quantised ones to fp32. The block layouts are documented in
// gguf_dequant.cpp next to the code that decodes them.
#pragma once

#include <cstdint>
#include <string>

namespace bcjr::model {

// The numbers are ggml's (they are what the file stores).
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

struct GgmlTypeTraits {
  const char* name = nullptr;  // "Q4_1", ...; nullptr for a number ggml does not define here
  int64_t block_size = 0;      // elements per block (1 for plain types)
  int64_t type_size = 0;       // bytes per block
  bool dequantizable = false;  // dequantize_row() handles it
};

// Traits of a type number read from a file (name == nullptr if unknown).
GgmlTypeTraits ggml_type_traits(uint32_t type);
std::string ggml_type_name(GgmlType type);

// Decodes n elements (a multiple of the block size) from `src` into `dst`. The caller has
// checked that src holds n / block_size * type_size bytes. Throws for types not handled.
void dequantize_row(GgmlType type, const uint8_t* src, float* dst, int64_t n);

}  // namespace bcjr::model
