// The bounds of a ZIP archive's directory, checked before the bytes go to a reader that trusts them.
// LibTorch reads torch.save files (a ZIP of stored records) with miniz, which follows the offsets
// and sizes of the central directory without checking every one against the archive: a hostile
// file made it read freed memory (found by fuzz_snapshot_pt, docs/RELIABILITY.md). This check walks
// the end-of-central-directory record (and the ZIP64 one where the archive has it), every central
// directory entry and every local header, and refuses an archive in which any of them, or any
// record's data, reaches outside the bytes it has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bcjr {

struct ZipEntry {
  std::string name;
  uint64_t data_offset = 0;  // where its (stored) bytes start in the archive
  uint64_t size = 0;         // compressed size: its bytes in the archive
  bool stored = false;       // method 0: the bytes are the record itself
};

// Throws bcjr::Error "<what>: not a valid zip archive: <the problem>" unless every structure the
// directory names lies inside [data, data + size). Returns the entries, in directory order.
std::vector<ZipEntry> check_zip_bounds(const unsigned char* data, size_t size, const std::string& what);

}  // namespace bcjr
