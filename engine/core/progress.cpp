#include "engine/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "engine/core/cancel.h"
#include "engine/core/error.h"

namespace bcjr {

ProgressStage::ProgressStage(ProgressReporter* reporter, std::string stage, int64_t total,
                             double min_interval_s)
    : reporter_(reporter),
      stage_(std::move(stage)),
      total_(total),
      min_interval_s_(min_interval_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {
  maybe_report(true);
}

void ProgressStage::advance(int64_t units) { set_done(done_ + units); }

void ProgressStage::set_done(int64_t done) {
  done_ = done;
  maybe_report(total_ > 0 && done_ >= total_);
}

void ProgressStage::maybe_report(bool force) {
  check_cancel();  // every unit of a staged loop is a point where a cancel or a pause takes effect
  if (!reporter_) return;
  auto now = std::chrono::steady_clock::now();
  double since_last = std::chrono::duration<double>(now - last_).count();
  if (!force && since_last < min_interval_s_) return;
  last_ = now;
  ProgressEvent e;
  e.stage = stage_;
  e.done = done_;
  e.total = total_;
  e.elapsed_s = std::chrono::duration<double>(now - start_).count();
  if (total_ > 0 && done_ > 0) e.eta_s = e.elapsed_s * double(total_ - done_) / double(done_);
  if (!reporter_->report(e)) throw Cancelled();
}

bool CancelFlagReporter::report(const ProgressEvent& e) {
  if (cancel_ && cancel_->load(std::memory_order_relaxed)) return false;
  return next_ ? next_->report(e) : true;
}

TerminalProgress::TerminalProgress(const std::atomic<bool>* cancel)
    : tty_(isatty(fileno(stderr)) != 0), cancel_(cancel) {}

TerminalProgress::~TerminalProgress() {
  if (line_open_) std::fputc('\n', stderr);
}

static std::string format_seconds(double s) {
  if (s < 0 || !std::isfinite(s)) return "?";
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, (int(s) % 3600) / 60);
  return buf;
}

bool TerminalProgress::report(const ProgressEvent& e) {
  if (cancel_ && cancel_->load(std::memory_order_relaxed)) return false;
  bool finished = e.total > 0 && e.done >= e.total;
  bool new_stage = e.stage != last_stage_;
  // Without a TTY, print a line at most every 5 s per stage (and at its end) to keep logs short.
  if (!tty_ && !finished && !new_stage && e.elapsed_s - last_print_s_ < 5.0) return true;
  if (new_stage && line_open_ && tty_) std::fputc('\n', stderr);
  last_stage_ = e.stage;
  last_print_s_ = e.elapsed_s;
  char bar[32] = {0};
  const int width = 24;
  int filled = e.total > 0 ? int(width * double(e.done) / double(e.total)) : 0;
  for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
  if (e.total > 0)
    std::fprintf(stderr, "%s%s [%s] %lld/%lld  %s elapsed, ETA %s%s", tty_ ? "\r" : "", e.stage.c_str(),
                 bar, (long long)e.done, (long long)e.total, format_seconds(e.elapsed_s).c_str(),
                 format_seconds(e.eta_s).c_str(), tty_ ? "\x1b[K" : "\n");
  else
    std::fprintf(stderr, "%s%s %lld  %s elapsed%s", tty_ ? "\r" : "", e.stage.c_str(), (long long)e.done,
                 format_seconds(e.elapsed_s).c_str(), tty_ ? "\x1b[K" : "\n");
  line_open_ = tty_;
  if (finished && tty_) {
    std::fputc('\n', stderr);
    line_open_ = false;
  }
  std::fflush(stderr);
  return true;
}

}  // namespace bcjr
