// Progress reporting shared by the terminal progress bar and the GUI. A long operation calls
// report() between units of work; a false return means "cancel" (as llama.cpp's loader does),
// and the operation then throws bcjr::Cancelled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace bcjr {

struct ProgressEvent {
  std::string stage;     // e.g. "viterbi", "layer 4 q_proj", "eval"
  int64_t done = 0;      // units finished
  int64_t total = 0;     // units in all (0 = unknown)
  double elapsed_s = 0;  // since the stage began
  double eta_s = -1;     // estimated seconds left (-1 = unknown)
};

class ProgressReporter {
 public:
  virtual ~ProgressReporter() = default;
  // Returns false to ask the operation to stop.
  virtual bool report(const ProgressEvent& e) = 0;
};

// Tracks one stage: start time, ETA, and a cancellation check. Reports at most every
// min_interval seconds (and always on the last unit) so that callers may call it often. Every
// unit also checks the thread's cancellation token (check_cancel, engine/core/cancel.h).
class ProgressStage {
 public:
  ProgressStage(ProgressReporter* reporter, std::string stage, int64_t total,
                double min_interval_s = 0.1);
  // Throws bcjr::Cancelled if the reporter asks to stop.
  void advance(int64_t units = 1);
  void set_done(int64_t done);
  int64_t done() const { return done_; }

 private:
  void maybe_report(bool force);
  ProgressReporter* reporter_;
  std::string stage_;
  int64_t total_;
  int64_t done_ = 0;
  double min_interval_s_;
  std::chrono::steady_clock::time_point start_, last_;
};

// A reporter that only watches an atomic cancel flag (for engine objects owned by a GUI thread).
class CancelFlagReporter : public ProgressReporter {
 public:
  explicit CancelFlagReporter(const std::atomic<bool>* cancel, ProgressReporter* next = nullptr)
      : cancel_(cancel), next_(next) {}
  bool report(const ProgressEvent& e) override;

 private:
  const std::atomic<bool>* cancel_;
  ProgressReporter* next_;
};

// A one-line terminal progress bar with ETA, written to stderr (redrawn in place on a TTY,
// a line every few seconds otherwise).
class TerminalProgress : public ProgressReporter {
 public:
  // `cancel`, if given, is polled at every report (the CLI sets it from SIGINT).
  explicit TerminalProgress(const std::atomic<bool>* cancel = nullptr);
  ~TerminalProgress() override;
  bool report(const ProgressEvent& e) override;

 private:
  bool tty_;
  const std::atomic<bool>* cancel_;
  std::string last_stage_;
  double last_print_s_ = -1e9;
  bool line_open_ = false;
};

}  // namespace bcjr
