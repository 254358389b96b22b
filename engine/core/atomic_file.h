// Atomic writes of results: write a temporary file in the same folder, flush it, then rename,
// so that a crash or a full disk never leaves a half-written result under the final name.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace bcjr {

void write_file_atomic(const std::string& path, const std::string& bytes);
// Streams into a temporary file through `fill`, then renames it over `path`.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill);
std::string read_file(const std::string& path);

}  // namespace bcjr
