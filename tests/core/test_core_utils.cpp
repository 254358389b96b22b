#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <vector>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/parallel.h"
#include "engine/core/progress.h"
#include "engine/core/runtime.h"
#include "tests/support/test_support.h"

TEST(Hash, Sha256MatchesKnownVectors) {
  EXPECT_EQ(bcjr::sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(bcjr::sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AtomicFile, WritesWholeFileAndLeavesNoTemporaries) {
  bcjr::test::TempDir dir;
  bcjr::write_file_atomic(dir.file("x.txt"), "hello");
  bcjr::write_file_atomic(dir.file("x.txt"), "replaced");
  EXPECT_EQ(bcjr::read_file(dir.file("x.txt")), "replaced");
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFile, FailedFillKeepsTheOldFile) {
  bcjr::test::TempDir dir;
  bcjr::write_file_atomic(dir.file("x.txt"), "old");
  EXPECT_THROW(bcjr::write_file_atomic(dir.file("x.txt"),
                                       [](std::ostream& os) {
                                         os << "partial";
                                         bcjr::fail("boom");
                                       }),
               bcjr::Error);
  EXPECT_EQ(bcjr::read_file(dir.file("x.txt")), "old");
  EXPECT_THROW(bcjr::write_file_atomic(dir.file("no/such/folder/x.txt"), "y"), bcjr::Error);
}

TEST(Parallel, CoversEveryIndexOnceAndRethrows) {
  bcjr::set_thread_count(4);
  std::vector<std::atomic<int>> hits(1003);
  bcjr::parallel_for(1003, 17, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  EXPECT_THROW(bcjr::parallel_for(100, 1,
                                  [&](int64_t b, int64_t) {
                                    if (b == 37) bcjr::fail("tile 37");
                                  }),
               bcjr::Error);
}

namespace {
struct StopAfter : bcjr::ProgressReporter {
  int calls = 0, limit;
  explicit StopAfter(int l) : limit(l) {}
  bool report(const bcjr::ProgressEvent&) override { return ++calls <= limit; }
};
}  // namespace

TEST(Progress, FalseFromReporterCancels) {
  StopAfter stop(3);
  bcjr::ProgressStage stage(&stop, "work", 100, 0.0);
  int advanced = 0;
  try {
    for (int i = 0; i < 100; ++i) {
      stage.advance();
      ++advanced;
    }
    FAIL() << "expected cancellation";
  } catch (const bcjr::Cancelled&) {
  }
  EXPECT_EQ(advanced, 2);  // the constructor reported once, then two advances
}

TEST(Progress, CancelFlagStopsTheStage) {
  std::atomic<bool> cancel{false};
  bcjr::CancelFlagReporter r(&cancel);
  bcjr::ProgressStage stage(&r, "work", 10, 0.0);
  stage.advance();
  cancel = true;
  EXPECT_THROW(stage.advance(), bcjr::Cancelled);
}
