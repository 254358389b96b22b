// The engine object a GUI worker thread (or `bcjr train`) owns for one BCJR-QAT run: create or
// resume a run folder, run it (blocking, on the caller's thread), and from any other thread
// pause, continue, cancel, replace the temperature schedule, and query the posterior of any tile
// of a target linear at any T. No torch and no Qt in this header (pimpl). The session's
// cancellation token is created with the creating thread's token as its parent (the CLI's Ctrl-C)
// and installed on the thread that calls run().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/physics/tile_posterior_view.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/schedule.h"

namespace bcjr {
class CancelToken;
class ProgressReporter;
}

namespace bcjr::quant {

struct LinearState;  // layer_map.h (it holds tensors)

// The posterior of one tile, as plain values (the GUI's posterior view).
using physics::TilePosteriorView;

struct QatOutcome {
  std::vector<std::pair<std::string, double>> perplexities;  // ("FP", x), ("PTQ", y), ("QAT", z)
  int64_t steps_done = 0;
  std::string run_dir;
};

class QatSession {
 public:
  // A new run in run_dir (created; refused if it already holds a run unless overwrite).
  // Writes run.json at once; the model and data are loaded by run().
  static std::unique_ptr<QatSession> create(const QatConfig& config, const std::string& run_dir, bool overwrite = false);
  // An existing run folder: its run.json's configuration, continued from its latest checkpoint.
  static std::unique_ptr<QatSession> resume(const std::string& run_dir);
  ~QatSession();

  void set_progress(ProgressReporter* progress);  // stage events (PTQ, perplexity, steps)
  void set_metrics_callback(std::function<void(const StepMetrics&)> cb);  // after every step
  void set_log_callback(std::function<void(const std::string&)> cb);      // each log.txt line
  // The run-level perplexities ("FP", "PTQ", "QAT") as they are measured, with their protocol.
  void set_perplexity_callback(std::function<void(const std::string& label, double ppl, const std::string& protocol)> cb);
  // Every phase's schedule as training starts (a resumed run's with the edits it checkpointed).
  void set_schedules_callback(std::function<void(const std::vector<TemperatureSchedule>&)> cb);

  // Blocking. Throws bcjr::Cancelled after cancel() (the last finished step is checkpointed).
  // Keeps the folder's status.json (run_status.h) while it runs and records how it ended.
  QatOutcome run();

  // Thread-safe controls; none of them waits on the training thread's work. Pause and cancel
  // take effect at the run's next cancellation check (between tile chunks, layers, windows:
  // well under a second on the CPU); a cancel also ends a pause.
  void pause();
  void unpause();
  bool paused() const;
  void cancel();
  // Posts the schedule for every phase; the training thread takes it at the start of its next step
  // and logs it. Never waits on training.
  void replace_schedule(const TemperatureSchedule& schedule);
  // Posts one phase's (independent and greedy runs train one layer per phase), taken the same way.
  // Throws a bcjr::Error, at once, for a phase the run does not have.
  void replace_phase_schedule(int64_t phase, const TemperatureSchedule& schedule);
  // A target linear as it stands, for the layer map: copied under a short lock, computed on the
  // caller's thread. Throws a bcjr::Error if the run has not reached training yet or the linear is
  // unknown.
  LinearState linear_state(int64_t layer, const std::string& linear) const;
  // Copies what the query needs under a short lock, then computes on the calling thread.
  // Throws a bcjr::Error if the run has not reached training yet or the linear/tile is unknown.
  TilePosteriorView tile_posterior(int64_t layer, const std::string& linear, int64_t tile, double T) const;
  // The run's cancellation token (for tests and benchmarks: its check count and hooks).
  CancelToken& cancel_token();

  const QatConfig& config() const;
  const std::string& run_dir() const;

 private:
  struct Impl;
  explicit QatSession(std::unique_ptr<Impl> impl);
  QatOutcome run_steps();  // run() without the status record
  std::unique_ptr<Impl> impl_;
};

}  // namespace bcjr::quant
