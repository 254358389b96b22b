#include "tests/support/test_support.h"

#include <gtest/gtest.h>
#include <ftw.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "engine/core/assets.h"

namespace bcjr::test {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    auto p = base / ("bcjr-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p.string();
      return;
    }
  }
}

// Removed with nftw rather than std::filesystem::remove_all: in the GPU machine's build (gcc 13,
// PyTorch 2.11's LibTorch) remove_all called through a null pointer and crashed the test program
// (seen 2026-12-01 under cuda-gdb: the fault's return address was remove_all+114).
TempDir::~TempDir() {
  // Children first (FTW_DEPTH); remove() unlinks files and removes the emptied folders.
  nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p), 0; }, 16,
       FTW_DEPTH | FTW_PHYS);
}

CommandResult run_command(const std::string& command_line) {
  CommandResult r;
  std::string cmd = command_line + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string bcjr_program() {
  const char* d = std::getenv("BCJR_BIN_DIR");
  return std::string(d && *d ? d : BCJR_BIN_DIR) + "/bcjr";
}

std::string python() {
  const char* p = std::getenv("BCJR_PYTHON");
  std::string py = p && *p ? p : BCJR_PYTHON_DEFAULT;
  return py.empty() ? "python3" : py;
}

int lines_of(const std::string& out) {
  int n = 0;
  for (char c : out) n += c == '\n';
  return n + (!out.empty() && out.back() != '\n');
}

std::string source_dir() {
  const char* d = std::getenv("BCJR_SOURCE_DIR");
  return d && *d ? d : BCJR_SOURCE_DIR;
}

static std::string asset(const DefaultAsset& a) {
  std::string p = default_asset_path(a);
  if (!std::filesystem::exists(p))
    ADD_FAILURE() << "default asset missing: " << p << " (run ./scripts/fetch-assets or ./scripts/test)";
  return p;
}

std::string default_model_path() { return asset(kDefaultModel); }
std::string default_text_path() { return asset(kDefaultText); }

}  // namespace bcjr::test
