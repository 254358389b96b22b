// Atomic writes of results: write a temporary file in the same folder, flush it, then rename,
// so that a crash or a full disk never leaves a half-written result under the final name; and
// atomic appends of one line to a log.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace bcjr {

void write_file_atomic(const std::string& path, const std::string& bytes);
// Streams into a temporary file through `fill`, then renames it over `path`.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill);
// The whole file. With max_bytes > 0 a larger file is refused before it is read ("<path>: N bytes,
// more than the M a <what> may have"), so that a hostile or mistaken file cannot take the memory.
std::string read_file(const std::string& path, uint64_t max_bytes = 0, const char* what = "file");
// Size limits of the JSON files the readers take whole (the largest real ones are far below).
constexpr uint64_t kMaxConfigJsonBytes = uint64_t(16) << 20;     // config.json, run.json, schedules, ...
constexpr uint64_t kMaxTokenizerJsonBytes = uint64_t(256) << 20;  // tokenizer.json (Llama 3's: 9 MB)

// Appends `line` and a newline to `path` (created if missing) with one write() on an O_APPEND
// descriptor: constant cost however long the file, safe from several threads, and the line is
// whole or absent (a failed write is cut back). `line` must not hold a newline.
void append_line(const std::string& path, const std::string& line);

}  // namespace bcjr
