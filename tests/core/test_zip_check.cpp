// check_zip_bounds: a well-formed archive (with and without the ZIP64 end records torch.save
// writes) passes; each structure the directory names, moved outside the archive, is refused with a
// one-line message naming the archive and the structure. The archives are built here byte by byte
// (stored records, as torch.save writes them) so that each field can be broken on its own.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/zip_check.h"

using bcjr::check_zip_bounds;

namespace {

struct Zip {
  std::vector<unsigned char> bytes;
  std::vector<size_t> central;  // where each central directory entry starts
  size_t dir_at = 0, end_at = 0, zip64_at = 0;

  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes.push_back(static_cast<unsigned char>(v >> (8 * i)));
  }
  void set(size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes[at + size_t(i)] = static_cast<unsigned char>(v >> (8 * i));
  }
  const unsigned char* data() const { return bytes.data(); }
};

// Stored records named r0, r1, ... with the given contents; ZIP64 end records as torch.save has them.
Zip make_zip(const std::vector<std::string>& records, bool zip64) {
  Zip z;
  std::vector<size_t> local;
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string name = "r" + std::to_string(i);
    local.push_back(z.bytes.size());
    z.put(0x04034b50, 4);
    z.put(20, 2), z.put(0, 2), z.put(0, 2), z.put(0, 2), z.put(0, 2), z.put(0, 4);
    z.put(records[i].size(), 4), z.put(records[i].size(), 4), z.put(name.size(), 2), z.put(0, 2);
    z.bytes.insert(z.bytes.end(), name.begin(), name.end());
    z.bytes.insert(z.bytes.end(), records[i].begin(), records[i].end());
  }
  z.dir_at = z.bytes.size();
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string name = "r" + std::to_string(i);
    z.central.push_back(z.bytes.size());
    z.put(0x02014b50, 4);
    z.put(20, 2), z.put(20, 2), z.put(0, 2), z.put(0, 2), z.put(0, 2), z.put(0, 2), z.put(0, 4);
    z.put(records[i].size(), 4), z.put(records[i].size(), 4), z.put(name.size(), 2), z.put(0, 2), z.put(0, 2);
    z.put(0, 2), z.put(0, 2), z.put(0, 4), z.put(local[i], 4);
    z.bytes.insert(z.bytes.end(), name.begin(), name.end());
  }
  const size_t dir_size = z.bytes.size() - z.dir_at;
  if (zip64) {
    z.zip64_at = z.bytes.size();
    z.put(0x06064b50, 4), z.put(44, 8), z.put(45, 2), z.put(45, 2), z.put(0, 4), z.put(0, 4);
    z.put(records.size(), 8), z.put(records.size(), 8), z.put(dir_size, 8), z.put(z.dir_at, 8);
    z.put(0x07064b50, 4), z.put(0, 4), z.put(z.zip64_at, 8), z.put(1, 4);
  }
  z.end_at = z.bytes.size();
  z.put(0x06054b50, 4), z.put(0, 2), z.put(0, 2), z.put(records.size(), 2), z.put(records.size(), 2);
  z.put(dir_size, 4), z.put(z.dir_at, 4), z.put(0, 2);
  return z;
}

// The message check_zip_bounds gives ("" if it accepts), checked to be one line naming the archive.
std::string refusal(const Zip& z) {
  try {
    check_zip_bounds(z.data(), z.bytes.size(), "archive a.pt");
  } catch (const bcjr::Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.rfind("archive a.pt: not a valid zip archive: ", 0), 0u) << m;
    return m;
  }
  return "";
}

}  // namespace

TEST(ZipCheck, WellFormedArchivesPass) {
  for (bool zip64 : {false, true}) {
    EXPECT_EQ(refusal(make_zip({"pickle bytes", "", std::string(1000, 'x')}, zip64)), "") << zip64;
    EXPECT_EQ(refusal(make_zip({}, zip64)), "") << zip64;
  }
  // A comment after the end record is allowed.
  Zip z = make_zip({"abc"}, true);
  z.set(z.end_at + 20, 5, 2);
  z.bytes.insert(z.bytes.end(), {'h', 'e', 'l', 'l', 'o'});
  EXPECT_EQ(refusal(z), "");
}

TEST(ZipCheck, EveryOutOfBoundsStructureIsRefusedAndNamed) {
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64 ? "with ZIP64 end records" : "without");
    const Zip good = make_zip({"pickle", "storage 0", "storage 1"}, zip64);
    auto broken = [&](auto&& edit) {
      Zip z = good;
      edit(z);
      return refusal(z);
    };
    // Truncated: the end record is gone.
    EXPECT_NE(broken([](Zip& z) { z.bytes.resize(z.end_at + 10); }).find("no end-of-central-directory record"),
              std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.bytes.resize(5); }).find("shorter than its end record"), std::string::npos);
    // The central directory's offset and size, and its entry count.
    EXPECT_NE(broken([](Zip& z) { z.set(z.end_at + 16, 0x7fffff00, 4); }).find("central directory"), std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.set(z.end_at + 12, 0xfffff000, 4); }).find("central directory"), std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.set(z.end_at + 10, 60000, 2); }).find("cannot fit"), std::string::npos);
    // An entry: its signature, its name running past the directory, its local header's offset
    // (the kind of file fuzz_snapshot_pt found), its data's size, sizes that disagree.
    EXPECT_NE(broken([](Zip& z) { z.set(z.central[1], 0x12345678, 4); }).find("entry 2 of 3"), std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.set(z.central[2] + 28, 4000, 2); }).find("runs past the end"), std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.set(z.central[2] + 42, 0x40000000, 4); }).find("entry 3 of 3's local header"),
              std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.set(z.central[1] + 42, 1, 4); }).find("local header"), std::string::npos);
    EXPECT_NE(broken([](Zip& z) {
                z.set(z.central[0] + 20, 100000, 4);
                z.set(z.central[0] + 24, 100000, 4);
              }).find("entry 1 of 3's data"),
              std::string::npos);
    EXPECT_NE(broken([](Zip& z) { z.set(z.central[0] + 24, 3, 4); }).find("sizes differ"), std::string::npos);
    // Saturated sizes with no ZIP64 field to give the real ones.
    EXPECT_NE(broken([](Zip& z) { z.set(z.central[0] + 20, 0xffffffffu, 4); }).find("no ZIP64 field"),
              std::string::npos);
  }
  // The ZIP64 locator pointing at something that is not a ZIP64 end record.
  Zip z = make_zip({"abc"}, true);
  z.set(z.end_at - 20 + 8, 3, 8);
  EXPECT_NE(refusal(z).find("ZIP64 locator points at byte 3"), std::string::npos);
}
