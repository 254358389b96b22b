// A small tmpfs mounted for one test, to make a disk fill up or turn read-only for real. Needs
// root (CI and the development machines run as root); elsewhere `error()` says why and the test
// skips with that message.
#pragma once

#include <cstdint>
#include <string>

namespace bcjr::test {

class SmallTmpfs {
 public:
  explicit SmallTmpfs(int64_t bytes);
  ~SmallTmpfs();
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes a filler file until the file system is full (ENOSPC); `remove_filler` frees it again.
  void fill();
  void remove_filler();
  // Remounts read-only (true) or read-write (false); throws on failure.
  void set_read_only(bool read_only);

 private:
  std::string path_, error_;
  bool mounted_ = false;
};

}  // namespace bcjr::test
