// Text from a file (a key, a tensor name, a token) quoted in an error message: control characters
// escaped and the length bounded, so that a hostile or broken file cannot turn a one-line message
// into many lines or megabytes.
#pragma once

#include <string>

namespace bcjr {

inline std::string printable(const std::string& s, size_t max = 80) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max) return out + "...";
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    else out += char(c);
  }
  return out;
}

}  // namespace bcjr
