#include "engine/model/pickle_check.h"

#include <cstdint>
#include <cstdio>

#include "engine/core/error.h"

namespace bcjr::model {

void check_torch_pickle(const unsigned char* data, size_t size, const std::string& what) {
  const uint64_t n = size;
  uint64_t at = 0, pos = 0;  // the next byte; the opcode being read
  auto hex = [](unsigned op) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", op);
    return std::string(buf);
  };
  // A little-endian unsigned argument of `bytes` bytes at `at`, checked to be inside.
  auto arg = [&](unsigned op, uint64_t bytes) {
    if (bytes > n - at)
      fail(what, ": pickle opcode ", hex(op), " at byte ", pos, " runs past the end of its ", n, " bytes");
    uint64_t v = 0;
    for (uint64_t i = bytes; i-- > 0;) v = (v << 8) | data[at + i];
    at += bytes;
    return v;
  };
  auto skip = [&](unsigned op, uint64_t bytes) {
    if (bytes > n - at)
      fail(what, ": pickle opcode ", hex(op), " at byte ", pos, " runs past the end of its ", n, " bytes");
    at += bytes;
  };
  auto line = [&](unsigned op) {  // the text opcodes' newline-terminated argument
    while (at < n && data[at] != '\n') ++at;
    if (at == n) fail(what, ": pickle opcode ", hex(op), " has no end of line");
    ++at;
  };
  auto memo = [&](unsigned op, uint64_t index) {
    if (index >= n)
      fail(what, ": pickle opcode ", hex(op), " at byte ", pos, " names memo entry ", index,
           ", more than a pickle of ", n, " bytes can hold (corrupted file)");
  };
  while (at < n) {
    pos = at;
    const unsigned op = data[at++];
    switch (op) {
      case '.':  // STOP
        return;
      // No argument.
      case '(': case ')': case ']': case '}': case 't': case 'l': case 'd': case 'u': case 's': case 'e':
      case 'a': case 'R': case 'b': case 'Q': case 'N': case '0': case '1': case '2':
      case 0x81: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8f: case 0x90: case 0x91:
      case 0x92: case 0x93: case 0x94:
        break;
      case 0x80: skip(op, 1); break;  // PROTO
      case 0x95: skip(op, 8); break;  // FRAME
      case 'K': skip(op, 1); break;   // BININT1
      case 'M': skip(op, 2); break;   // BININT2
      case 'J': skip(op, 4); break;   // BININT
      case 'G': skip(op, 8); break;   // BINFLOAT
      case 'h': arg(op, 1); break;    // BINGET
      case 'j': arg(op, 4); break;    // LONG_BINGET
      case 'q': memo(op, arg(op, 1)); break;  // BINPUT
      case 'r': memo(op, arg(op, 4)); break;  // LONG_BINPUT
      case 'X': case 'T': case 'B': skip(op, arg(op, 4)); break;    // BINUNICODE, BINSTRING, BINBYTES
      case 0x8c: case 'U': case 'C': skip(op, arg(op, 1)); break;   // SHORT_BINUNICODE, ..STRING, ..BYTES
      case 0x8d: case 0x8e: skip(op, arg(op, 8)); break;            // BINUNICODE8, BINBYTES8
      case 0x8a: skip(op, arg(op, 1)); break;                       // LONG1
      case 0x8b: skip(op, arg(op, 4)); break;                       // LONG4
      case 'c': line(op); line(op); break;                          // GLOBAL module, name
      case 'P': case 'I': case 'L': case 'F': case 'S': case 'V': case 'g': line(op); break;
      case 'p': {  // PUT, its index as text
        const uint64_t start = at;
        line(op);
        if (at - start > 20) fail(what, ": pickle opcode ", hex(op), " at byte ", pos, " has an overlong memo index");
        uint64_t index = 0;
        for (uint64_t i = start; i + 1 < at; ++i) index = index * 10 + uint64_t(data[i] >= '0' && data[i] <= '9' ? data[i] - '0' : 0);
        memo(op, index);
        break;
      }
      default:
        fail(what, ": pickle opcode ", hex(op), " at byte ", pos, " is not one torch.save writes (corrupted file)");
    }
  }
  fail(what, ": the pickle has no STOP opcode (truncated?)");
}

}  // namespace bcjr::model
