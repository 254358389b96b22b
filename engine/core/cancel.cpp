#include "engine/core/cancel.h"

#include "engine/core/error.h"

namespace bcjr {
namespace {

thread_local std::shared_ptr<const CancelToken> t_token;

}  // namespace

void CancelToken::cancel() {
  {
    // The flag changes under the gate's mutex: a checker between testing its predicate and
    // sleeping cannot miss the wake-up below.
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_.store(true);
  }
  cv_.notify_all();
}

void CancelToken::pause() { paused_.store(true); }

void CancelToken::unpause() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_.store(false);
  }
  cv_.notify_all();
}

void CancelToken::check() const {
  const int64_t n = checks_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (hook_) hook_(n);
  if (cancelled()) throw Cancelled();
  if (!paused_.load(std::memory_order_relaxed)) return;
  std::unique_lock<std::mutex> lock(mutex_);
  const auto t0 = std::chrono::steady_clock::now();
  cv_.wait(lock, [this] {
    const bool open = !paused_.load() || cancelled_.load();
    if (!open && gate_hook_) gate_hook_();
    return open;
  });
  paused_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  lock.unlock();
  if (cancelled()) throw Cancelled();
}

double CancelToken::paused_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return paused_s_;
}

const CancelToken* current_cancel_token() { return t_token.get(); }
std::shared_ptr<const CancelToken> current_cancel_token_shared() { return t_token; }

CancelScope::CancelScope(std::shared_ptr<const CancelToken> token) : previous_(std::move(t_token)) {
  t_token = std::move(token);
}
CancelScope::~CancelScope() { t_token = std::move(previous_); }

void check_cancel() {
  if (const CancelToken* t = t_token.get()) t->check();
}

}  // namespace bcjr
