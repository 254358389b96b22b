// Reading GGUF files (llama.cpp's model container), versions 2 and 3, little-endian, memory-mapped.
//
// Layout (all integers little-endian; "str" = u64 byte length + that many UTF-8 bytes, no NUL):
//   u32   magic             "GGUF" (0x46554747)                                      required
//   u32   version           2 or 3 (1 used 32-bit counts and is refused)             required
//   u64   tensor_count      number of tensor infos (checked against the file size)   required
//   u64   kv_count          number of metadata pairs (checked likewise)              required
//   kv_count times:
//     str   key             unique, e.g. "general.architecture", "llama.block_count"
//     u32   value_type      0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool (u8 0/1),
//                           8 str, 9 array, 10 u64, 11 i64, 12 f64
//     value                 the scalar itself; a str; or for an array:
//                             u32 element_type (any type, arrays of arrays included), u64 count,
//                             count values of that type
//   tensor_count times:
//     str   name            unique, e.g. "blk.0.attn_q.weight"
//     u32   n_dims          1..4
//     u64   ne[n_dims]      dimensions, ne[0] varying fastest (so torch's shape is ne reversed)
//     u32   type            ggml type (GgmlType; block-quantised types pack ne[0] in blocks)
//     u64   offset          from the start of the data section; a multiple of the alignment
//   padding                 zeros up to a multiple of `general.alignment` (u32 metadata,
//                           optional, default 32, a power of two)
//   data                    tensor data; each tensor's bytes [offset, offset + nbytes) must lie
//                           inside the file and not overlap another tensor's.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/model/gguf_types.h"

namespace bcjr::model {

class MappedFile;

enum class GgufValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
const char* gguf_value_type_name(GgufValueType t);

// One metadata value. Scalars are widened (integers and bools to int64 / uint64, floats to
// double); arrays of scalars keep their elements in the matching vector, arrays of arrays in
// `items`.
struct GgufValue {
  GgufValueType type = GgufValueType::UINT8;
  GgufValueType element_type = GgufValueType::UINT8;  // arrays only
  int64_t i = 0;                                      // integer and bool scalars (UINT64 above INT64_MAX: see `u`)
  uint64_t u = 0;                                     // the same value unsigned (UINT64 exact)
  double f = 0;                                       // FLOAT32 / FLOAT64 scalars
  std::string s;                                      // STRING
  std::vector<int64_t> ints;                          // arrays of integers or bools
  std::vector<double> reals;                          // arrays of floats
  std::vector<std::string> strings;                   // arrays of strings
  std::vector<GgufValue> items;                       // arrays of arrays
  uint64_t array_size = 0;

  bool is_integer() const;  // any integer type or bool
  bool is_float() const;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // GGUF order: ne[0] fastest
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t nbytes = 0;
  // torch's (row-major) shape: ne reversed, e.g. a linear weight [out_features, in_features].
  std::vector<int64_t> shape() const;
  int64_t numel() const;
};

class GgufFile {
 public:
  // Maps and parses the file; throws bcjr::Error naming the file and the field on any problem.
  explicit GgufFile(const std::string& path);

  const std::string& path() const;
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute file offset of the data section

  // Metadata in file order, and look-ups by key.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(const std::string& key) const;
  // Typed getters: throw bcjr::Error naming the file and key if it is missing or of the wrong type.
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;  // accepts integers too
  const std::string& get_string(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const GgufValue& get_array(const std::string& key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;
  const GgufTensorInfo& tensor_info(const std::string& name) const;  // throws if absent
  // Pointer to a tensor's bytes inside the mapping (nbytes long, checked at load).
  const uint8_t* tensor_data(const GgufTensorInfo& t) const;
  // The tensor dequantised to a new fp32 CPU tensor of shape t.shape(), in parallel.
  torch::Tensor dequantize(const GgufTensorInfo& t) const;
  torch::Tensor dequantize(const std::string& name) const { return dequantize(tensor_info(name)); }

 private:
  std::shared_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t> metadata_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace bcjr::model
