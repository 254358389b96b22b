// Cancellation and pause (engine/core/cancel.h): the token, its pause gate (no lost wake-up), the
// thread's token through parallel_for's workers, and appending lines from several threads.
// Deterministic: work is counted in checks, never timed; waits for another thread are bounded
// only to turn a hang into a failure.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/core/runtime.h"
#include "tests/support/test_support.h"

using bcjr::CancelScope;
using bcjr::CancelToken;

namespace {

constexpr auto kHang = std::chrono::seconds(20);  // "never returned": a failure, not a timing

// Runs token.check() on another thread; the future holds true if it threw Cancelled.
std::future<bool> check_async(const std::shared_ptr<CancelToken>& token) {
  return std::async(std::launch::async, [token] {
    try {
      token->check();
      return false;
    } catch (const bcjr::Cancelled&) {
      return true;
    }
  });
}

}  // namespace

TEST(CancelToken, CheckThrowsOnceCancelledAndCounts) {
  CancelToken t;
  t.check();
  t.check();
  EXPECT_EQ(t.checks(), 2);
  t.cancel();
  EXPECT_THROW(t.check(), bcjr::Cancelled);
  EXPECT_TRUE(t.cancelled());
  // Without a token on the thread check_cancel() is a no-op; with one it checks it.
  bcjr::check_cancel();
  auto shared = std::make_shared<CancelToken>();
  {
    CancelScope scope(shared);
    EXPECT_EQ(bcjr::current_cancel_token(), shared.get());
    bcjr::check_cancel();
    shared->cancel();
    EXPECT_THROW(bcjr::check_cancel(), bcjr::Cancelled);
  }
  EXPECT_EQ(bcjr::current_cancel_token(), nullptr);
}

TEST(CancelToken, AParentsCancelIsSeen) {
  auto parent = std::make_shared<CancelToken>();
  CancelToken child(parent);
  child.check();
  parent->cancel_from_signal();
  EXPECT_THROW(child.check(), bcjr::Cancelled);
}

TEST(CancelToken, PauseBlocksACheckUntilContinued) {
  auto t = std::make_shared<CancelToken>();
  std::atomic<bool> gated{false};
  t->set_gate_hook([&] { gated = true; });
  t->pause();
  auto f = check_async(t);
  while (!gated) std::this_thread::yield();  // the checker is in the gate
  EXPECT_EQ(f.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  t->unpause();
  ASSERT_EQ(f.wait_for(kHang), std::future_status::ready);
  EXPECT_FALSE(f.get());
  EXPECT_GE(t->paused_seconds(), 0.0);
}

// The defect of QatSession::cancel: a cancel that sets its flag and notifies without the gate's
// mutex is lost when it lands between the checker's test of the flags and its sleep, and the
// checker then sleeps for ever (quitting the studio while paused hung). The gate hook runs exactly
// there, holding the mutex, and lets the cancel run meanwhile: a cancel that takes the mutex waits
// for the checker to sleep and is never lost.
TEST(CancelToken, CancelWhilePausedIsNeverLost) {
  auto t = std::make_shared<CancelToken>();
  std::future<void> canceller;
  std::atomic<int> gate_calls{0};
  t->set_gate_hook([&] {
    if (gate_calls++ > 0) return;
    canceller = std::async(std::launch::async, [t] { t->cancel(); });
    // Give the cancel every chance to finish inside the window; with the mutex it cannot.
    canceller.wait_for(std::chrono::milliseconds(200));
  });
  t->pause();
  auto f = check_async(t);
  const bool returned = f.wait_for(kHang) == std::future_status::ready;
  EXPECT_TRUE(returned) << "a cancel while paused was lost: the checker still sleeps";
  if (!returned) t->unpause();  // release it, so that the test can end
  EXPECT_TRUE(f.get());
  canceller.wait();
}

TEST(CancelToken, CheckHookCanCancelAtAGivenCheck) {
  CancelToken t;
  t.set_check_hook([&t](int64_t n) {
    if (n == 3) t.cancel();
  });
  t.check();
  t.check();
  EXPECT_THROW(t.check(), bcjr::Cancelled);
  EXPECT_EQ(t.checks(), 3);
}

// parallel_for starts every chunk with a check of the caller's token, on every worker: after a
// cancel at check k, at most one more chunk per worker starts.
TEST(ParallelFor, CancelStopsWithinOneChunkPerWorker) {
  for (int threads : {1, 3}) {
    bcjr::set_thread_count(threads);
    auto t = std::make_shared<CancelToken>();
    t->set_check_hook([&t](int64_t n) {
      if (n == 5) t->cancel();
    });
    std::atomic<int64_t> chunks{0};
    CancelScope scope(t);
    EXPECT_THROW(bcjr::parallel_for(1000, 1, [&](int64_t, int64_t) { ++chunks; }), bcjr::Cancelled);
    EXPECT_LE(chunks.load(), 4) << threads;  // the chunks whose check came before the cancel
    EXPECT_LE(t->checks(), 5 + threads - 1) << threads;
  }
  bcjr::set_thread_count(0);
}

TEST(ParallelFor, WorkersRunUnderTheCallersToken) {
  bcjr::set_thread_count(3);
  auto t = std::make_shared<CancelToken>();
  std::mutex m;
  std::set<const CancelToken*> seen;
  {
    CancelScope scope(t);
    bcjr::parallel_for(64, 1, [&](int64_t, int64_t) {
      std::lock_guard<std::mutex> lock(m);
      seen.insert(bcjr::current_cancel_token());
    });
  }
  bcjr::set_thread_count(0);
  EXPECT_EQ(seen, std::set<const CancelToken*>{t.get()});
  EXPECT_EQ(t->checks(), 64);
}

// A line is one O_APPEND write: the file is never rewritten (same inode, so the cost of a line does
// not grow with the file) and lines from two threads all arrive whole.
TEST(AppendLine, TwoThreadsAppendWholeLinesWithoutRewriting) {
  bcjr::test::TempDir dir;
  const std::string p = dir.file("log.txt");
  bcjr::append_line(p, "first");
  struct stat before {};
  ASSERT_EQ(stat(p.c_str(), &before), 0);
  const int per_thread = 400;
  auto line_of = [](char tag, int i) { return std::string(1, tag) + std::to_string(i) + std::string(100, tag); };
  auto writer = [&](char tag) {
    for (int i = 0; i < per_thread; ++i) bcjr::append_line(p, line_of(tag, i));
  };
  std::thread a(writer, 'a'), b(writer, 'b');
  a.join();
  b.join();
  struct stat after {};
  ASSERT_EQ(stat(p.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the file was replaced, not appended to";
  const std::string text = bcjr::read_file(p);
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "first");
  std::multiset<std::string> got, expected;
  while (std::getline(in, line)) got.insert(line);
  for (int i = 0; i < per_thread; ++i) expected.insert({line_of('a', i), line_of('b', i)});
  EXPECT_EQ(got, expected);
  EXPECT_THROW(bcjr::append_line(p, "two\nlines"), bcjr::Error);
  EXPECT_THROW(bcjr::append_line(dir.file("no/such/folder/log.txt"), "x"), bcjr::Error);
}
