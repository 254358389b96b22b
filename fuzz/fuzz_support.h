// What every fuzz target shares: the input written to a file (the readers take paths, and the
// model readers map files), and the oracle applied to whatever the reader throws. A reader may
// refuse an input only with a bcjr::Error whose message is one line and names the file; any other
// exception, a crash, a sanitizer report, a timeout or an out-of-memory is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace bcjr::fuzz {

// A private folder for this process (under $TMPDIR, else /dev/shm or /tmp), made on first use and
// removed at exit.
const std::string& scratch_dir();

// Writes `size` bytes to scratch_dir()/name and returns the path.
std::string write_input(const std::string& name, const uint8_t* data, size_t size);
std::string write_input(const std::string& name, const std::string& bytes);

// Runs `read` on an input. A bcjr::Error is accepted if its message is a single non-empty line
// that contains `must_name` (the file, or what the caller passed as the source); anything else
// aborts with the message, which libFuzzer records as a crash.
void expect_clean(const std::string& must_name, const std::function<void()>& read);

// Aborts with `what` unless `ok` (for properties checked on inputs that were accepted).
void require(bool ok, const std::string& what);

}  // namespace bcjr::fuzz
