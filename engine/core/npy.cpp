#include "engine/core/npy.h"

#include <cstring>
#include <fstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/printable.h"

namespace bcjr {

namespace {

constexpr uint32_t kMaxHeaderBytes = 65536;

// Where the value of 'key' starts in the header dict ({'key': value, ...}), or npos. A plain
// scan rather than std::regex, whose recursion a long hostile header could drive off the stack.
size_t value_start(const std::string& header, const std::string& key) {
  size_t p = header.find("'" + key + "'");
  if (p == std::string::npos) return p;
  p = header.find_first_not_of(" \t", p + key.size() + 2);
  if (p == std::string::npos || header[p] != ':') return std::string::npos;
  return header.find_first_not_of(" \t", p + 1);
}

// The text between `open` and `close` of the value of 'key' ("" if absent or unterminated).
std::string dict_value(const std::string& header, const std::string& key, char open, char close) {
  const size_t p = value_start(header, key);
  if (p == std::string::npos || header[p] != open) return "";
  const size_t end = header.find(close, p + 1);
  return end == std::string::npos ? "" : header.substr(p + 1, end - p - 1);
}

int itemsize_of(const std::string& descr) {
  if (descr.size() < 3) return 0;
  return std::atoi(descr.c_str() + 2);
}

std::string normalise_descr(const std::string& path, const std::string& d) {
  BCJR_CHECK(d.size() == 3 && d[2] >= '1' && d[2] <= '8', path, ": unsupported .npy dtype '", printable(d), "'");
  char order = d[0], kind = d[1];
  int size = itemsize_of(d);
  bool known_kind = kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b';
  BCJR_CHECK(known_kind && (size == 1 || size == 2 || size == 4 || size == 8) && !(kind == 'f' && size == 1),
             path, ": unsupported .npy dtype '", printable(d), "'");
  if (size == 1) return std::string("|") + kind + "1";
  BCJR_CHECK(order == '<' || order == '=' , path, ": big-endian .npy data ('", printable(d), "') is not supported");
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
  // NumPy itself refuses headers over 10000 bytes unless told otherwise; ours are < 128.
  BCJR_CHECK(header_len <= kMaxHeaderBytes, path, ": .npy header of ", header_len, " bytes (more than ",
             kMaxHeaderBytes, ")");
  std::string header(header_len, '\0');
  f.read(header.data(), header_len);

  NpyArray a;
  const std::string descr = dict_value(header, "descr", '\'', '\'');
  BCJR_CHECK(!descr.empty(), path, ": .npy header has no 'descr' string");
  a.descr = normalise_descr(path, descr);
  const size_t order = value_start(header, "fortran_order");
  BCJR_CHECK(order != std::string::npos, path, ": .npy header has no 'fortran_order'");
  BCJR_CHECK(header.compare(order, 5, "False") == 0, path,
             ": Fortran-order .npy arrays are not supported (save with C order)");
  BCJR_CHECK(value_start(header, "shape") != std::string::npos, path, ": .npy header has no 'shape'");
  // "(3, 4)", "(7,)" or "()": comma-separated non-negative integers; anything else is refused.
  const std::string dims = dict_value(header, "shape", '(', ')');
  size_t begin = 0;
  while (begin < dims.size()) {
    size_t end = dims.find(',', begin);
    if (end == std::string::npos) end = dims.size();
    std::string tok = dims.substr(begin, end - begin);
    tok.erase(0, tok.find_first_not_of(" \t"));
    tok.erase(tok.find_last_not_of(" \tL") + 1);  // Python 2 wrote long integers as 3L
    begin = end + 1;
    if (tok.empty() && end == dims.size()) break;  // the trailing comma of "(7,)"
    BCJR_CHECK(!tok.empty() && tok.size() < 16 && tok.find_first_not_of("0123456789") == std::string::npos, path,
               ": .npy shape (", printable(dims), ") is not a tuple of non-negative integers");
    a.shape.push_back(std::stoll(tok));
  }
  int64_t elements = 1;
  for (int64_t d : a.shape) {
    BCJR_CHECK(d == 0 || elements <= file_size / d, path, ": .npy shape (", printable(dims), ") holds more elements than the ",
               file_size, "-byte file");
    elements *= d;
  }
  const int64_t bytes = elements * a.itemsize();
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
