#include "engine/core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/core/error.h"

namespace bcjr {

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  BCJR_CHECK(fs::is_directory(dir), path, ": folder ", dir.string(), " does not exist");
  std::random_device rd;
  fs::path tmp = dir / ("." + target.filename().string() + ".tmp" + std::to_string(getpid()) + "-" +
                        std::to_string(rd() & 0xffffff));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    BCJR_CHECK(f, path, ": cannot create temporary file ", tmp.string(), ": ", std::strerror(errno));
    try {
      fill(f);
    } catch (...) {
      f.close();
      std::error_code ec;
      fs::remove(tmp, ec);
      throw;
    }
    f.flush();
    if (!f) {
      f.close();
      std::error_code ec;
      fs::remove(tmp, ec);
      fail(path, ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    fail(path, ": cannot rename temporary file into place: ", ec.message());
  }
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  write_file_atomic(path, [&](std::ostream& os) { os.write(bytes.data(), std::streamsize(bytes.size())); });
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  BCJR_CHECK(f, path, ": cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  BCJR_CHECK(!f.bad(), path, ": read error");
  return ss.str();
}

}  // namespace bcjr
