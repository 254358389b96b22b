// Reading and writing safetensors files (Hugging Face's tensor container), memory-mapped.
//
// Layout (all integers little-endian):
//   u64   N                 length of the JSON header in bytes (required; N <= file size - 8)
//   u8[N] header            UTF-8 JSON object (required), possibly padded with trailing spaces:
//           "__metadata__": {string: string, ...}                     (optional)
//           "<tensor name>": {"dtype": "F32"|"F16"|"BF16"|"F64"|"BOOL"|"U8"|"I8"|"I16"|"U16"|
//                                      "I32"|"I64",                     (required)
//                             "shape": [d0, d1, ...],                   (required, may be [])
//                             "data_offsets": [begin, end]}             (required)
//   u8[]  data              begins at 8 + N; each tensor occupies [begin, end) relative to it,
//                           row-major, end - begin = prod(shape) * sizeof(dtype).
// Checked: every field's presence and type, offsets inside the data section, byte counts against
// shape and dtype, no two tensors overlapping, no duplicate names, known dtypes only.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bcjr::model {

class MappedFile;

struct SafetensorsTensorInfo {
  std::string name;
  std::string dtype;  // as written in the file ("F32", "BF16", "U16", ...)
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range relative to the start of the data section
};

class SafetensorsFile {
 public:
  // Maps the file and parses its header; throws bcjr::Error naming the file on any problem.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const;
  // Tensors in the order of their data offsets.
  const std::vector<SafetensorsTensorInfo>& tensors() const { return tensors_; }
  bool has(const std::string& name) const;
  // Throws bcjr::Error naming the tensor and the file if there is no such tensor.
  const SafetensorsTensorInfo& info(const std::string& name) const;
  // The tensor as stored, as a zero-copy CPU view into the mapping (kept alive by the tensor);
  // copied instead where the data is not aligned to its element size. U16 comes back as int16
  // holding the same bits (LibTorch 1.13 has no uint16).
  torch::Tensor tensor(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::shared_ptr<MappedFile> file_;
  uint64_t data_start_ = 0;
  std::vector<SafetensorsTensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// The torch dtype a safetensors dtype string is read as, and the string a torch dtype is
// written as. Both throw bcjr::Error for dtypes this project does not handle.
c10::ScalarType safetensors_dtype_to_torch(const std::string& dtype, const std::string& context);
std::string torch_dtype_to_safetensors(c10::ScalarType type, const std::string& context);

// Writes tensors (any device; copied to contiguous CPU) in the given order, 8-byte aligned,
// with optional string metadata, atomically (temporary file + rename). Names must be unique
// and must not be "__metadata__".
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace bcjr::model
