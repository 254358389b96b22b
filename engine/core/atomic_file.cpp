#include "engine/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
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

void append_line(const std::string& path, const std::string& line) {
  BCJR_CHECK(line.find('\n') == std::string::npos, path, ": a line to append holds a newline");
  const std::string bytes = line + "\n";
  // One process-wide lock: a failed write is cut back to the size before it, which another
  // appender must not have moved meanwhile. Held for one write() of one line.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  BCJR_CHECK(fd >= 0, path, ": cannot open for appending: ", std::strerror(errno));
  struct stat st {};
  const bool sized = ::fstat(fd, &st) == 0;
  ssize_t n;
  do {
    n = ::write(fd, bytes.data(), bytes.size());
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  if (n != ssize_t(bytes.size())) {
    // Leave the line absent rather than torn.
    if (n > 0 && sized) (void)!::ftruncate(fd, st.st_size);
    ::close(fd);
    fail(path, ": cannot append a line: ", n < 0 ? std::strerror(err) : "short write (disk full?)");
  }
  ::close(fd);
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
