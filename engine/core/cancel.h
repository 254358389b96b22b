// Cancellation and pause for long engine operations. A CancelToken belongs to one operation (a
// BCJR-QAT session, a CLI command); the thread that runs it installs it with a CancelScope, and
// every long loop calls check_cancel() between units of work: between tile chunks of parallel_for,
// kernel chunks on the GPU, decoder layers, perplexity windows. check_cancel() costs one
// thread-local load and a few relaxed atomic operations; it throws bcjr::Cancelled once the token
// is cancelled, and blocks while the token is paused (the pause gate). Only call it where the
// thread holds no lock that another thread may wait for. parallel_for hands its caller's token
// to its workers; autograd functions capture it in their forward and reinstall it in their
// backward, which may run on another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace bcjr {

class CancelToken {
 public:
  // A token whose cancel() this one also obeys (the CLI's Ctrl-C token above a session's own);
  // a parent's cancel is seen at the next check, but does not end a pause of this token.
  explicit CancelToken(std::shared_ptr<const CancelToken> parent = nullptr) : parent_(std::move(parent)) {}

  // Thread-safe, from any thread. cancel() also ends a pause.
  void cancel();
  // Only sets the flag: safe in a signal handler (the CLI's Ctrl-C), where no pause can be waiting.
  void cancel_from_signal() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed) || (parent_ && parent_->cancelled()); }
  void pause();
  void unpause();
  bool paused() const { return paused_.load(std::memory_order_relaxed); }

  // Throws bcjr::Cancelled if cancelled; blocks while paused, then throws if the pause ended in a
  // cancel. Every call counts (checks()).
  void check() const;
  // Seconds spent blocked in check()'s pause gate so far (step timings leave pauses out).
  double paused_seconds() const;
  // How many checks have been made: the unit of work of the deterministic cancellation tests.
  int64_t checks() const { return checks_.load(std::memory_order_relaxed); }
  // For tests and benchmarks: called at every check with its 1-based number, on the checking
  // thread, before the check looks at the flags (it may cancel or pause). Set it before the
  // token is in use.
  void set_check_hook(std::function<void(int64_t)> hook) { hook_ = std::move(hook); }
  // For tests: called in the pause gate, holding its mutex, after the gate decided to sleep and
  // before it sleeps (where a cancel that does not take the mutex would be lost).
  void set_gate_hook(std::function<void()> hook) { gate_hook_ = std::move(hook); }

 private:
  std::shared_ptr<const CancelToken> parent_;
  std::atomic<bool> cancelled_{false}, paused_{false};
  mutable std::atomic<int64_t> checks_{0};
  std::function<void(int64_t)> hook_;
  std::function<void()> gate_hook_;
  mutable std::mutex mutex_;  // guards the pause gate's wait and paused_s_
  mutable std::condition_variable cv_;
  mutable double paused_s_ = 0;
};

// The token of the operation running on this thread, or null.
const CancelToken* current_cancel_token();
// The same, shared: for handing it to another thread (parallel_for's workers, autograd backward).
std::shared_ptr<const CancelToken> current_cancel_token_shared();

// Installs `token` as this thread's token for the scope (null: none); restores the previous one.
class CancelScope {
 public:
  explicit CancelScope(std::shared_ptr<const CancelToken> token);
  ~CancelScope();
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

 private:
  std::shared_ptr<const CancelToken> previous_;
};

// The check long loops call between units of work: a no-op without a token on this thread.
void check_cancel();

}  // namespace bcjr
