// In a sanitizer build (./scripts/test --sanitize, ./scripts/test --tsan), the sanitizer does report
// what it is there to find, with the options the scripts run it under: a deliberate data race, heap
// overflow or signed overflow, each in a child process, must end that process with the sanitizer's
// report. Without these, a build or options that silently disabled the sanitizer would pass every
// other test of the run. In other builds there is nothing to check, and nothing is compiled here.
#include <gtest/gtest.h>

#include <climits>
#include <thread>
#include <vector>

#if defined(__SANITIZE_THREAD__)
TEST(SanitizersAreLive, ThreadSanitizerReportsADataRace) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        int shared = 0;
        std::thread other([&] { shared = 1; });
        shared = 2;  // unordered with the other thread's write
        other.join();
        volatile int sink = shared;
        (void)sink;
      },
      "ThreadSanitizer: data race");
}
#endif

#if defined(__SANITIZE_ADDRESS__)
TEST(SanitizersAreLive, AddressSanitizerReportsAHeapOverflow) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::vector<int> v(3);
        volatile int* p = v.data();
        p[3] = 1;
      },
      "heap-buffer-overflow");
}
#endif

#if defined(BCJR_SANITIZE_UNDEFINED)
TEST(SanitizersAreLive, UndefinedBehaviorSanitizerReportsASignedOverflow) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        volatile int big = INT_MAX;
        volatile int sum = big + 1;
        (void)sum;
      },
      "signed integer overflow");
}
#endif
