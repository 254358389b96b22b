// Whether the run in a run folder is going, finished, cancelled, failed or was interrupted
// (killed, crashed, machine switched off). The process running it keeps status.json: its pid,
// host, boot id and process start time, and a heartbeat renewed every few seconds; a reader
// trusts "running" only while that process is alive (same host) or the heartbeat is fresh
// (another host), so a run killed with kill -9 reads "interrupted", never "running" forever.
// Folders from before status.json are judged from their files. Torch-free (the GUI lists runs).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace bcjr::quant {

enum class RunState { NotStarted, Running, Finished, Cancelled, Failed, Interrupted };
// "not started", "running", "finished", "cancelled", "failed", "interrupted".
const char* run_state_name(RunState s);

struct RunStatus {
  RunState state = RunState::NotStarted;
  std::string detail;     // why: "process 123 on host x is alive", "ended by: <error>", ...
  std::string host;       // of the process that ran it last ("" if unknown)
  int64_t pid = 0;
  std::string started;    // ISO 8601 UTC times ("" if unknown)
  std::string ended;
  std::string heartbeat;
  bool from_status_file = false;  // false: derived from the folder's other files
};

// The heartbeat interval writers use, and the age after which another host's "running" is
// read as interrupted (3 missed heartbeats).
constexpr int kRunHeartbeatSeconds = 10;

// Reads status.json (and checks its process) or, without one, derives the state from the other
// files: snapshots/quantized.ckpt -> finished; a last log line "cancelled after step" ->
// cancelled; metrics or checkpoints -> interrupted; else not started. Never throws for a
// damaged status.json: it reports it in `detail` and falls back to the files.
RunStatus read_run_status(const std::string& run_dir);

// Owned by the code that runs a run (QatSession::run): writes status.json "running" at once,
// renews its heartbeat from a thread of its own, and records how the run ended.
class RunStatusWriter {
 public:
  explicit RunStatusWriter(std::string run_dir, int heartbeat_seconds = kRunHeartbeatSeconds);
  // Without an explicit end (an exception nobody classified), records "failed".
  ~RunStatusWriter();
  RunStatusWriter(const RunStatusWriter&) = delete;
  RunStatusWriter& operator=(const RunStatusWriter&) = delete;

  void end(RunState state, const std::string& detail);

  // Runs `body` and records its end: returns -> finished, bcjr::Cancelled -> cancelled, any
  // other exception -> failed with its message (the exception is rethrown).
  template <typename F>
  auto track(F&& body) -> decltype(body()) {
    try {
      auto out = body();
      end(RunState::Finished, "");
      return out;
    } catch (...) {
      end_with_current_exception();
      throw;
    }
  }

 private:
  void end_with_current_exception();
  void write(const std::string& state, const std::string& detail);
  void beat();

  std::string dir_, started_;
  std::mutex mutex_;  // guards writes of status.json and ended_
  std::condition_variable wake_;
  bool ended_ = false;
  int heartbeat_seconds_;
  std::thread heartbeat_;
};

}  // namespace bcjr::quant
