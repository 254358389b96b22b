// Helpers shared by the GoogleTest suites: temporary folders, the paths of the built programs,
// the default assets, running a command and the Python cross-check interpreter.
#pragma once

#include <string>
#include <vector>

namespace bcjr::test {

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs a shell command line and captures its output.
CommandResult run_command(const std::string& command_line);
// Lines in a program's output (a last line without a newline counts): a one-line error is 1.
int lines_of(const std::string& out);
// The built `bcjr` program.
std::string bcjr_program();
// The Python with numpy, gguf, safetensors and tokenizers (set up by ./scripts/test).
std::string python();
// Path of a default asset; fails the test (not skips) if it is missing.
std::string default_model_path();
std::string default_text_path();
std::string source_dir();

}  // namespace bcjr::test
