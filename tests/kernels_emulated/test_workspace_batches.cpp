// GPU out of memory, on the CPU: the kernels' workspace allocation (kernels/workspace_batches.h)
// with allocation failures injected. The batch halves, each retry logs a line, and only a single
// tile that does not fit fails, saying the bytes it needed. (That every batch size gives the same
// bits is BcjrIsBitwiseIndependentOfBatchingAndThreadOrder; the GPU command in RELIABILITY.md runs
// the real allocation path with BCJR_CUDA_FAIL_BATCH_ABOVE.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/workspace_batches.h"

namespace bcjr::kernels {
namespace {

struct Recorder {
  std::vector<int64_t> tried;
  std::vector<std::string> lines;
};

TEST(WorkspaceBatches, AFittingBatchIsAllocatedAtOnceWithoutALogLine) {
  Recorder r;
  const int64_t b = allocate_shrinking(
      4096, 1000, int64_t(1) << 30, "bcjr on cuda", [&](int64_t n) { return r.tried.push_back(n), true; },
      [&](const std::string& l) { r.lines.push_back(l); });
  EXPECT_EQ(b, 4096);
  EXPECT_EQ(r.tried, std::vector<int64_t>({4096}));
  EXPECT_TRUE(r.lines.empty());
}

TEST(WorkspaceBatches, OutOfMemoryHalvesTheBatchAndLogsEachRetry) {
  Recorder r;
  // Memory for 300 tiles at most: 4096 -> 2048 -> 1024 -> 512 -> 256.
  const int64_t b = allocate_shrinking(
      4096, 1000, 300000, "bcjr vjp on cuda", [&](int64_t n) { return r.tried.push_back(n), n <= 300; },
      [&](const std::string& l) { r.lines.push_back(l); });
  EXPECT_EQ(b, 256);
  EXPECT_EQ(r.tried, std::vector<int64_t>({4096, 2048, 1024, 512, 256}));
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_NE(r.lines[0].find("bcjr vjp on cuda: out of GPU memory for the workspace of 4096 tiles (4096000 bytes); "
                            "retrying with 2048 tiles at once"),
            std::string::npos)
      << r.lines[0];
}

TEST(WorkspaceBatches, OnlyASingleTileThatDoesNotFitFailsAndSaysWhatItNeeded) {
  Recorder r;
  try {
    allocate_shrinking(
        5, 123456, 1000, "viterbi on cuda", [&](int64_t n) { return r.tried.push_back(n), false; },
        [&](const std::string& l) { r.lines.push_back(l); });
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "out of GPU memory: one tile needs 123456 bytes of workspace, 1000 bytes were free");
  }
  EXPECT_EQ(r.tried, std::vector<int64_t>({5, 2, 1}));
  EXPECT_EQ(r.lines.size(), 2u);
}

TEST(WorkspaceBatches, InjectedFailureFollowsTheEnvironment) {
  unsetenv("BCJR_CUDA_FAIL_BATCH_ABOVE");
  EXPECT_FALSE(injected_allocation_failure(1 << 20));
  setenv("BCJR_CUDA_FAIL_BATCH_ABOVE", "64", 1);
  EXPECT_FALSE(injected_allocation_failure(64));
  EXPECT_TRUE(injected_allocation_failure(65));
  setenv("BCJR_CUDA_FAIL_BATCH_ABOVE", "0", 1);
  EXPECT_TRUE(injected_allocation_failure(1));
  unsetenv("BCJR_CUDA_FAIL_BATCH_ABOVE");
}

}  // namespace
}  // namespace bcjr::kernels
