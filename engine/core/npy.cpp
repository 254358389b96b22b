#include "engine/core/npy.h"

#include <cstring>
#include <fstream>
#include <regex>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace bcjr {

namespace {

int itemsize_of(const std::string& descr) {
  if (descr.size() < 3) return 0;
  return std::atoi(descr.c_str() + 2);
}

std::string normalise_descr(const std::string& path, const std::string& d) {
  BCJR_CHECK(d.size() >= 3, path, ": unsupported .npy dtype '", d, "'");
  char order = d[0], kind = d[1];
  int size = itemsize_of(d);
  bool known_kind = kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b';
  BCJR_CHECK(known_kind && (size == 1 || size == 2 || size == 4 || size == 8) && !(kind == 'f' && size == 1),
             path, ": unsupported .npy dtype '", d, "'");
  if (size == 1) return std::string("|") + kind + "1";
  BCJR_CHECK(order == '<' || order == '=' , path, ": big-endian .npy data ('", d, "') is not supported");
  return std::string("<") + kind + std::to_string(size);
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

int NpyArray::itemsize() const { return itemsize_of(descr); }

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  BCJR_CHECK(f, path, ": cannot open file");
  f.seekg(0, std::ios::end);
  const int64_t file_size = f.tellg();
  f.seekg(0);
  char magic[8];
  BCJR_CHECK(file_size >= 10 && f.read(magic, 8), path, ": not a .npy file (too short)");
  BCJR_CHECK(std::memcmp(magic, "\x93NUMPY", 6) == 0, path, ": not a .npy file (bad magic)");
  const int major = (unsigned char)magic[6];
  BCJR_CHECK(major >= 1 && major <= 3, path, ": unsupported .npy version ", major);
  uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  const int64_t data_start = (major == 1 ? 10 : 12) + int64_t(header_len);
  BCJR_CHECK(f && data_start <= file_size, path, ": corrupted or incomplete .npy header");
  std::string header(header_len, '\0');
  f.read(header.data(), header_len);

  std::smatch m;
  static const std::regex descr_re("'descr'\\s*:\\s*'([^']+)'");
  static const std::regex order_re("'fortran_order'\\s*:\\s*(True|False)");
  static const std::regex shape_re("'shape'\\s*:\\s*\\(([^)]*)\\)");
  BCJR_CHECK(std::regex_search(header, m, descr_re), path, ": .npy header has no 'descr'");
  NpyArray a;
  a.descr = normalise_descr(path, m[1].str());
  BCJR_CHECK(std::regex_search(header, m, order_re), path, ": .npy header has no 'fortran_order'");
  BCJR_CHECK(m[1].str() == "False", path, ": Fortran-order .npy arrays are not supported (save with C order)");
  BCJR_CHECK(std::regex_search(header, m, shape_re), path, ": .npy header has no 'shape'");
  std::string dims = m[1].str();
  static const std::regex int_re("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), int_re); it != std::sregex_iterator(); ++it) {
    const std::string tok = it->str();
    BCJR_CHECK(tok.size() < 16, path, ": .npy dimension ", tok, " is too large");
    a.shape.push_back(std::stoll(tok));
  }
  const int64_t bytes = a.numel() * a.itemsize();
  BCJR_CHECK(bytes >= 0 && data_start + bytes <= file_size, path, ": corrupted or incomplete .npy file (expected ",
             bytes, " data bytes, found ", file_size - data_start, ")");
  a.data.resize(bytes);
  f.read(a.data.data(), bytes);
  BCJR_CHECK(f, path, ": read error");
  return a;
}

void write_npy(const std::string& path, const NpyArray& a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) shape += std::to_string(a.shape[i]) + (a.shape.size() == 1 ? "," : i + 1 < a.shape.size() ? ", " : "");
  shape += ")";
  std::string header = "{'descr': '" + a.descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  BCJR_CHECK(header.size() < 65536, path, ": .npy header too long");
  BCJR_CHECK(int64_t(a.data.size()) == a.numel() * a.itemsize(), path, ": internal error: data size does not match shape");
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  out.append(a.data.data(), a.data.size());
  write_file_atomic(path, out);
}

}  // namespace bcjr
