// A whole file mapped into memory, read-only on disk but copy-on-write in memory, shared by the
// safetensors and GGUF readers and by every zero-copy tensor that points into it (each such
// tensor holds a reference, so the mapping lives as long as the last view of it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace bcjr::model {

class MappedFile {
 public:
  // Throws bcjr::Error naming the file if it cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // Private (copy-on-write) pages: writing through a tensor view never changes the file.
  uint8_t* data() const { return data_; }
  // Throws bcjr::Error ("<path>: <what> [begin, begin+length) lies outside the file of N bytes")
  // unless the range lies inside the file; overflow-safe.
  void check_range(uint64_t begin, uint64_t length, const std::string& what) const;

 private:
  MappedFile() = default;
  std::string path_;
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace bcjr::model
