// Readers promise errors that name their file. naming_source wraps a reader's body so that this
// holds for whatever it calls: a bcjr::Error that does not name the source gets it as a prefix,
// and any other exception (LibTorch's c10::Error, nlohmann's, std::bad_alloc's) becomes a
// bcjr::Error with the source and the first line of its message.
#pragma once

#include <exception>
#include <string>

#include "engine/core/error.h"

namespace bcjr {

inline std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

template <typename F>
auto naming_source(const std::string& source, F&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const Cancelled&) {
    throw;
  } catch (const Error& e) {
    const std::string m = e.what();
    if (m.find(source) != std::string::npos && m.find('\n') == std::string::npos) throw;
    fail(source, ": ", first_line(m));
  } catch (const std::exception& e) {
    fail(source, ": ", first_line(e.what()));
  }
}

}  // namespace bcjr
