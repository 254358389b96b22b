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

namespace {

// Flushes a file's data (or a folder's entries) to the disk; returns errno, 0 on success. EINVAL
// means the file system cannot sync (a pipe, some FUSE mounts): nothing to do there.
int sync_path(const std::filesystem::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
  if (::close(fd) != 0 && e == 0) e = errno;
  return e;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  BCJR_CHECK(fs::is_directory(dir), path, ": folder ", dir.string(), " does not exist");
  std::random_device rd;
  fs::path tmp = dir / ("." + target.filename().string() + ".tmp" + std::to_string(getpid()) + "-" +
                        std::to_string(rd() & 0xffffff));
  std::error_code ec;
  auto give_up = [&](const std::string& why) {
    fs::remove(tmp, ec);
    fail(path, ": cannot write: ", why, " (the previous version, if any, is kept)");
  };
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    BCJR_CHECK(f, path, ": cannot create a temporary file in ", dir.string(), ": ", std::strerror(errno),
               " (the previous version, if any, is kept)");
    // The stream keeps no error code: errno right after the failing write is the reason (a failed
    // stream makes no further system calls, so nothing overwrites it).
    errno = 0;
    try {
      fill(f);
    } catch (...) {
      const int e = errno;
      const bool stream_failed = !f;
      f.close();
      if (stream_failed && e != 0) give_up(std::strerror(e));  // e.g. a serializer's "write failed"
      fs::remove(tmp, ec);
      throw;
    }
    if (f) f.flush();
    if (!f) give_up(errno ? std::strerror(errno) : "write failed (disk full?)");
    errno = 0;
    f.close();
    if (!f) give_up(errno ? std::strerror(errno) : "close failed (disk full?)");
  }
  // The data reaches the disk before the new name does, so that a crash of the machine (not only
  // of this process) leaves either the old file or the whole new one under `path`.
  if (const int e = sync_path(tmp, O_RDONLY)) give_up(std::strerror(e));
  fs::rename(tmp, target, ec);
  if (ec) {
    const std::string why = ec.message();
    give_up("cannot rename the temporary file into place: " + why);
  }
  sync_path(dir, O_RDONLY | O_DIRECTORY);  // the rename itself; best effort
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

std::string read_file(const std::string& path, uint64_t max_bytes, const char* what) {
  std::ifstream f(path, std::ios::binary);
  BCJR_CHECK(f, path, ": cannot open file");
  if (max_bytes > 0) {
    f.seekg(0, std::ios::end);
    const std::streamoff size = f.tellg();
    BCJR_CHECK(size >= 0, path, ": cannot tell the file's size");
    BCJR_CHECK(uint64_t(size) <= max_bytes, path, ": ", uint64_t(size), " bytes, more than the ", max_bytes, " a ",
               what, " may have");
    f.seekg(0);
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  BCJR_CHECK(!f.bad(), path, ": read error");
  return ss.str();
}

}  // namespace bcjr
