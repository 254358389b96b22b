#include "engine/core/zip_check.h"

#include <cstdint>
#include <string>

#include "engine/core/error.h"

namespace bcjr {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEnd = 0x06054b50,
                   kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr size_t kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20, kCentralSize = 46,
                 kLocalSize = 30;

struct Reader {
  const unsigned char* data;
  uint64_t size;
  const std::string& what;

  [[noreturn]] void bad(const std::string& problem) const { fail(what, ": not a valid zip archive: ", problem); }
  // Little-endian fields of `n` bytes at `at`, which the caller has checked lie inside.
  uint64_t le(uint64_t at, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | data[at + uint64_t(i)];
    return v;
  }
  uint16_t u16(uint64_t at) const { return uint16_t(le(at, 2)); }
  uint32_t u32(uint64_t at) const { return uint32_t(le(at, 4)); }
  uint64_t u64(uint64_t at) const { return le(at, 8); }
  // [at, at + n) inside [0, limit), without overflow.
  static bool inside(uint64_t at, uint64_t n, uint64_t limit) { return at <= limit && n <= limit - at; }
};

// The end-of-central-directory record: the last one whose comment ends inside the archive.
uint64_t find_end(const Reader& r) {
  if (r.size < kEndSize) r.bad("it is " + std::to_string(r.size) + " bytes, shorter than its end record");
  const uint64_t lowest = r.size - kEndSize > 0xffff ? r.size - kEndSize - 0xffff : 0;
  for (uint64_t at = r.size - kEndSize + 1; at-- > lowest;)
    if (r.u32(at) == kEnd && at + kEndSize + r.u16(at + 20) <= r.size) return at;
  r.bad("no end-of-central-directory record (a truncated file?)");
}

}  // namespace

std::vector<ZipEntry> check_zip_bounds(const unsigned char* data, size_t size, const std::string& what) {
  const Reader r{data, uint64_t(size), what};
  const uint64_t end = find_end(r);
  uint64_t entries = r.u16(end + 10), dir_size = r.u32(end + 12), dir_at = r.u32(end + 16);
  // Where the central directory must end: at the ZIP64 end record where there is one (torch.save
  // always writes one), else at the end record.
  uint64_t dir_limit = end;
  if (end >= kZip64LocatorSize && r.u32(end - kZip64LocatorSize) == kZip64Locator) {
    const uint64_t z = r.u64(end - kZip64LocatorSize + 8);
    if (!Reader::inside(z, kZip64EndSize, end - kZip64LocatorSize) || r.u32(z) != kZip64End)
      r.bad("its ZIP64 locator points at byte " + std::to_string(z) + ", where there is no ZIP64 end record");
    dir_limit = z;
    if (entries == 0xffff) entries = r.u64(z + 32);
    if (dir_size == 0xffffffffu) dir_size = r.u64(z + 40);
    if (dir_at == 0xffffffffu) dir_at = r.u64(z + 48);
  }
  if (!Reader::inside(dir_at, dir_size, dir_limit))
    r.bad("its central directory (" + std::to_string(dir_size) + " bytes at " + std::to_string(dir_at) +
          ") is not inside the " + std::to_string(dir_limit) + " bytes before its end record");
  if (entries > dir_size / kCentralSize)
    r.bad(std::to_string(entries) + " entries cannot fit in a central directory of " + std::to_string(dir_size) +
          " bytes");
  const uint64_t dir_end = dir_at + dir_size;
  std::vector<ZipEntry> out;
  uint64_t at = dir_at;
  for (uint64_t i = 0; i < entries; ++i) {
    const std::string entry = "entry " + std::to_string(i + 1) + " of " + std::to_string(entries);
    if (!Reader::inside(at, kCentralSize, dir_end) || r.u32(at) != kCentralHeader)
      r.bad(entry + " of the central directory is missing or damaged");
    const uint64_t name_len = r.u16(at + 28), extra_len = r.u16(at + 30), comment_len = r.u16(at + 32);
    const uint64_t record = kCentralSize + name_len + extra_len + comment_len;
    if (!Reader::inside(at, record, dir_end)) r.bad(entry + " runs past the end of the central directory");
    uint64_t compressed = r.u32(at + 20), uncompressed = r.u32(at + 24), local = r.u32(at + 42);
    // ZIP64 sizes and offset, in that order, for the fields that are saturated.
    if (compressed == 0xffffffffu || uncompressed == 0xffffffffu || local == 0xffffffffu) {
      uint64_t x = at + kCentralSize + name_len, x_end = x + extra_len;
      bool found = false;
      while (!found && x + 4 <= x_end) {
        const uint64_t id = r.u16(x), len = r.u16(x + 2);
        if (!Reader::inside(x + 4, len, x_end)) break;
        if (id == 0x0001) {
          uint64_t f = x + 4;
          auto take = [&](uint64_t& field) {
            if (field != 0xffffffffu) return;
            if (f + 8 > x + 4 + len) r.bad(entry + " has a ZIP64 field too short for its sizes");
            field = r.u64(f);
            f += 8;
          };
          take(uncompressed);
          take(compressed);
          take(local);
          found = true;
        }
        x += 4 + len;
      }
      if (!found) r.bad(entry + " has saturated sizes but no ZIP64 field");
    }
    if (!Reader::inside(local, kLocalSize, dir_at) || r.u32(local) != kLocalHeader)
      r.bad(entry + "'s local header (at byte " + std::to_string(local) + ") is not inside the archive's records");
    const uint64_t data_at = local + kLocalSize + r.u16(local + 26) + r.u16(local + 28);
    if (!Reader::inside(data_at, compressed, dir_at))
      r.bad(entry + "'s data (" + std::to_string(compressed) + " bytes at " + std::to_string(data_at) +
            ") reaches past the archive's records");
    if (r.u16(at + 10) == 0 && compressed != uncompressed)
      r.bad(entry + " is stored uncompressed but its sizes differ (" + std::to_string(compressed) + " and " +
            std::to_string(uncompressed) + " bytes)");
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(data + at + kCentralSize), name_len);
    e.data_offset = data_at;
    e.size = compressed;
    e.stored = r.u16(at + 10) == 0;
    out.push_back(std::move(e));
    at += record;
  }
  return out;
}

}  // namespace bcjr
