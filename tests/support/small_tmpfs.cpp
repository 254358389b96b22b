#include "tests/support/small_tmpfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <vector>

namespace bcjr::test {

SmallTmpfs::SmallTmpfs(int64_t bytes) {
  std::random_device rd;
  path_ = (std::filesystem::temp_directory_path() / ("bcjr-tmpfs-" + std::to_string(rd()))).string();
  std::filesystem::create_directories(path_);
  const std::string opts = "size=" + std::to_string(bytes);
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
    error_ = "cannot mount a tmpfs at " + path_ + " (" + std::strerror(errno) + "; needs root)";
    std::filesystem::remove(path_);
    return;
  }
  mounted_ = true;
}

SmallTmpfs::~SmallTmpfs() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void SmallTmpfs::fill() {
  const std::string f = file(".filler");
  const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + f);
  std::vector<char> block(4096, 'x');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  while (::write(fd, block.data(), 1) > 0) {  // the last bytes too: nothing may fit after this
  }
  ::close(fd);
}

void SmallTmpfs::remove_filler() { std::filesystem::remove(file(".filler")); }

void SmallTmpfs::set_read_only(bool read_only) {
  const unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
  if (::mount("tmpfs", path_.c_str(), "tmpfs", flags, nullptr) != 0)
    throw std::runtime_error("cannot remount " + path_ + ": " + std::strerror(errno));
}

}  // namespace bcjr::test
