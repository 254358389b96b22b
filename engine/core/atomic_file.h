// Atomic writes of results: write a temporary file in the same folder, flush it, then rename,
// so that a crash or a full disk never leaves a half-written result under the final name; and
// atomic appends of one line to a log.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace bcjr {

void write_file_atomic(const std::string& path, const std::string& bytes);
// Streams into a temporary file through `fill`, then renames it over `path`.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill);
std::string read_file(const std::string& path);

// Appends `line` and a newline to `path` (created if missing) with one write() on an O_APPEND
// descriptor: constant cost however long the file, safe from several threads, and the line is
// whole or absent (a failed write is cut back). `line` must not hold a newline.
void append_line(const std::string& path, const std::string& line);

}  // namespace bcjr
