// NumPy .npy files (format versions 1.0-3.0), the array format of the `bcjr` trellis commands.
//   magic "\x93NUMPY", major, minor, header length (u16 for v1, u32 for v2/3),
//   an ASCII Python dict {'descr': '<f4', 'fortran_order': False, 'shape': (a, b), }
//   padded with spaces to a multiple of 64 bytes and ending in '\n', then the raw data.
// Little-endian bool, int8..int64, uint8..uint64, float16/32/64 are read; C order only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr {

struct NpyArray {
  std::string descr;           // normalised to little-endian: "<f4", "<i4", "|u1", ...
  std::vector<int64_t> shape;  // empty for a scalar
  std::vector<char> data;      // numel * itemsize bytes, C order
  int64_t numel() const;
  int itemsize() const;
};

// Throws bcjr::Error naming the file on any problem (missing, truncated, Fortran order, ...).
NpyArray read_npy(const std::string& path);
// Writes atomically (temporary file + rename).
void write_npy(const std::string& path, const NpyArray& array);

}  // namespace bcjr
