// Helpers for the format tests (safetensors, GGUF, model loading): running a Python cross-check
// script with the ecosystem's own packages, and reading the raw files it leaves behind.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/core/error.h"
#include "tests/support/test_support.h"

namespace bcjr::test {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Writes `script` to dir/name and runs it with the cross-check Python and `args`; a failure of
// the script fails the test with its output (the packages are required, not optional).
inline void run_python(const TempDir& dir, const std::string& name, const std::string& script,
                       const std::string& args) {
  spit(dir.file(name), script);
  CommandResult r = run_command("'" + python() + "' '" + dir.file(name) + "' " + args);
  if (r.exit_code != 0) throw std::runtime_error("python " + name + " failed:\n" + r.out);
}

// The bcjr::Error message `f` throws, or "(no error)".
template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const bcjr::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Whether `e`'s message contains every piece.
template <typename... Pieces>
::testing::AssertionResult message_has(const std::string& message, const Pieces&... pieces) {
  for (const std::string& p : {std::string(pieces)...})
    if (message.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << p << "\"";
  return ::testing::AssertionSuccess();
}

}  // namespace bcjr::test
