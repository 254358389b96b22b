#include "engine/model/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/error.h"

namespace bcjr::model {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  std::shared_ptr<MappedFile> m(new MappedFile());
  m->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, ": cannot open: ", std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, ": not a regular file");
  }
  m->size_ = static_cast<uint64_t>(st.st_size);
  if (m->size_ > 0) {
    // MAP_PRIVATE with write permission: tensors handed out as views may be modified in place
    // by their users without touching the file (pages are copied on first write).
    void* p = mmap(nullptr, m->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      fail(path, ": cannot map ", m->size_, " bytes: ", std::strerror(e));
    }
    m->data_ = static_cast<uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
}

void MappedFile::check_range(uint64_t begin, uint64_t length, const std::string& what) const {
  if (begin > size_ || length > size_ - begin)
    fail(path_, ": corrupted or incomplete file: ", what, " [", begin, ", ", begin, " + ", length,
         ") lies outside the file of ", size_, " bytes");
}

}  // namespace bcjr::model
