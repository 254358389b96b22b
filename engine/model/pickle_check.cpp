#include "engine/model/pickle_check.h"

#include <cstdint>
#include <cstdio>
#include <vector>

#include "engine/core/error.h"

namespace bcjr::model {

// The walk keeps the unpickler's stack depth and its marks as Python's unpickler defines them (an
// opcode that takes k items takes them above the last mark; one that works up to a mark needs a
// mark), and which memo entries exist; it does not build any object.
void check_torch_pickle(const unsigned char* data, size_t size, const std::string& what) {
  const uint64_t n = size;
  uint64_t at = 0, pos = 0;  // the next byte; the opcode being read
  unsigned op = 0;
  uint64_t depth = 0;             // items on the stack
  std::vector<uint64_t> marks;    // the depth at each open mark
  std::vector<bool> memo;         // which memo entries are defined (indices below n)
  auto where = [&] {
    char buf[64];
    std::snprintf(buf, sizeof buf, "pickle opcode 0x%02x at byte %llu", op, (unsigned long long)pos);
    return std::string(buf);
  };
  // A little-endian unsigned argument of `bytes` bytes, checked to be inside.
  auto arg = [&](uint64_t bytes) {
    if (bytes > n - at) fail(what, ": ", where(), " runs past the end of its ", n, " bytes");
    uint64_t v = 0;
    for (uint64_t i = bytes; i-- > 0;) v = (v << 8) | data[at + i];
    at += bytes;
    return v;
  };
  auto skip = [&](uint64_t bytes) {
    if (bytes > n - at) fail(what, ": ", where(), " runs past the end of its ", n, " bytes");
    at += bytes;
  };
  auto line = [&] {  // a text opcode's newline-terminated argument; returns its start
    const uint64_t start = at;
    while (at < n && data[at] != '\n') ++at;
    if (at == n) fail(what, ": ", where(), " has no end of line");
    ++at;
    return start;
  };
  const auto floor = [&] { return marks.empty() ? uint64_t(0) : marks.back(); };
  // Takes `k` items above the last mark, then pushes `pushed`.
  auto take = [&](uint64_t k, uint64_t pushed) {
    if (depth - floor() < k)
      fail(what, ": ", where(), " needs ", k, " item(s) on the stack above its mark, there are ", depth - floor(),
           " (corrupted file)");
    depth = depth - k + pushed;
  };
  // Pops back to the last mark, then needs `below` items under it, then pushes `pushed`.
  auto to_mark = [&](uint64_t below, uint64_t pushed) {
    if (marks.empty()) fail(what, ": ", where(), " has no mark to work up to (corrupted file)");
    depth = marks.back();
    marks.pop_back();
    take(below, below + pushed);
  };
  auto put = [&](uint64_t index) {
    take(1, 1);
    if (index >= n)
      fail(what, ": ", where(), " names memo entry ", index, ", more than a pickle of ", n,
           " bytes can hold (corrupted file)");
    if (memo.size() <= index) memo.resize(index + 1, false);
    memo[index] = true;
  };
  auto get = [&](uint64_t index) {
    if (index >= memo.size() || !memo[index])
      fail(what, ": ", where(), " reads memo entry ", index, ", which was never stored (corrupted file)");
    depth += 1;
  };
  auto text_index = [&](uint64_t start) {
    uint64_t index = 0;
    for (uint64_t i = start; i + 1 < at; ++i) {
      if (data[i] < '0' || data[i] > '9' || index > n) fail(what, ": ", where(), " has a malformed memo index");
      index = index * 10 + uint64_t(data[i] - '0');
    }
    return index;
  };
  while (at < n) {
    pos = at;
    op = data[at++];
    switch (op) {
      case '.':  // STOP: the result is the top of the stack
        take(1, 1);
        return;
      case 0x80: skip(1); break;  // PROTO
      case 0x95: skip(8); break;  // FRAME
      case '(': marks.push_back(depth); break;  // MARK
      // Push one, no argument: EMPTY_TUPLE, EMPTY_LIST, EMPTY_DICT, NONE, NEWTRUE, NEWFALSE, EMPTY_SET.
      case ')': case ']': case '}': case 'N': case 0x88: case 0x89: case 0x8f: depth += 1; break;
      case 'K': skip(1); depth += 1; break;  // BININT1
      case 'M': skip(2); depth += 1; break;  // BININT2
      case 'J': skip(4); depth += 1; break;  // BININT
      case 'G': skip(8); depth += 1; break;  // BINFLOAT
      case 'X': case 'T': case 'B': skip(arg(4)); depth += 1; break;    // BINUNICODE, BINSTRING, BINBYTES
      case 0x8c: case 'U': case 'C': skip(arg(1)); depth += 1; break;   // SHORT_BINUNICODE, ..STRING, ..BYTES
      case 0x8d: case 0x8e: skip(arg(8)); depth += 1; break;            // BINUNICODE8, BINBYTES8
      case 0x8a: skip(arg(1)); depth += 1; break;                       // LONG1
      case 0x8b: skip(arg(4)); depth += 1; break;                       // LONG4
      case 'c': line(); line(); depth += 1; break;                      // GLOBAL module, name
      case 'P': case 'I': case 'L': case 'F': case 'S': case 'V': line(); depth += 1; break;  // PERSID, text values
      case 'h': get(arg(1)); break;                  // BINGET
      case 'j': get(arg(4)); break;                  // LONG_BINGET
      case 'g': get(text_index(line())); break;      // GET
      case 'q': put(arg(1)); break;                  // BINPUT
      case 'r': put(arg(4)); break;                  // LONG_BINPUT
      case 'p': put(text_index(line())); break;      // PUT
      case 0x94: put(memo.size()); break;            // MEMOIZE: the next index
      case 't': case 'l': case 'd': case 0x91: to_mark(0, 1); break;  // TUPLE, LIST, DICT, FROZENSET
      case 'u': case 'e': case 0x90: to_mark(1, 0); break;            // SETITEMS, APPENDS, ADDITEMS
      case '1': to_mark(0, 0); break;                                 // POP_MARK
      case 0x85: take(1, 1); break;  // TUPLE1
      case 0x86: take(2, 1); break;  // TUPLE2
      case 0x87: take(3, 1); break;  // TUPLE3
      case 's': take(3, 1); break;   // SETITEM
      case 'a': take(2, 1); break;   // APPEND
      case 'R': case 'b': case 0x81: case 0x93: take(2, 1); break;  // REDUCE, BUILD, NEWOBJ, STACK_GLOBAL
      case 0x92: take(3, 1); break;  // NEWOBJ_EX
      case 'Q': take(1, 1); break;   // BINPERSID
      case '0': take(1, 0); break;   // POP
      case '2': take(1, 2); break;   // DUP
      default:
        fail(what, ": ", where(), " is not one torch.save writes (corrupted file)");
    }
  }
  fail(what, ": the pickle has no STOP opcode (truncated?)");
}

}  // namespace bcjr::model
