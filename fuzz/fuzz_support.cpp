#include "fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"

namespace bcjr::fuzz {
namespace fs = std::filesystem;

namespace {
struct Scratch {
  std::string dir;
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    fs::path base = tmp && *tmp ? fs::path(tmp) : fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::path("/tmp");
    dir = (base / ("bcjr-fuzz-" + std::to_string(getpid()))).string();
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};
}  // namespace

const std::string& scratch_dir() {
  static Scratch s;
  return s.dir;
}

std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  f.close();
  if (!f) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

std::string write_input(const std::string& name, const std::string& bytes) {
  return write_input(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

void require(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz oracle: %s\n", what.c_str());
  std::abort();
}

void expect_clean(const std::string& must_name, const std::function<void()>& read) {
  try {
    read();
  } catch (const bcjr::Error& e) {
    const std::string m = e.what();
    require(!m.empty(), "empty error message");
    require(m.find('\n') == std::string::npos, "error message is not one line: " + m);
    require(m.find(must_name) != std::string::npos, "error message does not name '" + must_name + "': " + m);
  } catch (const std::exception& e) {
    require(false, std::string("escaped a non-bcjr exception: ") + e.what());
  }
}

}  // namespace bcjr::fuzz
