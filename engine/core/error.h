// The one exception type the engine throws for bad input or failed I/O. Messages name the file,
// option or tensor and what was wrong with it; the CLI prints them on one line, the GUI in a dialog.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace bcjr {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Thrown when a progress callback asks to stop; callers treat it as a clean cancellation.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

// Builds a message from pieces: fail("file ", path, ": truncated at byte ", n).
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  throw Error(os.str());
}

// Checks a condition on input (not an internal invariant) and throws a bcjr::Error if it fails.
#define BCJR_CHECK(cond, ...)                 \
  do {                                        \
    if (!(cond)) ::bcjr::fail(__VA_ARGS__);   \
  } while (0)

}  // namespace bcjr
