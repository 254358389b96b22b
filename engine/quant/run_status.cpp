#include "engine/quant/run_status.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace fs = std::filesystem;

namespace bcjr::quant {
namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string iso_utc(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

std::string first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::string boot_id() { return first_line("/proc/sys/kernel/random/boot_id"); }

// Field 22 of /proc/PID/stat: the process's start time in clock ticks after boot. With the boot
// id it names one process for good, so a pid reused by another process is not taken for the run.
// Empty if the process does not exist (or is a zombie: it has ended).
std::string process_start(int64_t pid) {
  const std::string stat = first_line("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 1));
  std::string field, state;
  rest >> state;  // field 3
  if (state == "Z" || state == "X") return "";
  for (int i = 4; i <= 22 && rest >> field; ++i) {
  }
  return field;
}

std::string status_path(const std::string& dir) { return dir + "/status.json"; }

// What a folder without (a readable) status.json says about its run.
RunStatus status_from_files(const std::string& dir) {
  RunStatus s;
  std::error_code ec;
  if (fs::exists(dir + "/snapshots/quantized.ckpt", ec)) {
    s.state = RunState::Finished;
    s.detail = "snapshots/quantized.ckpt is written";
    return s;
  }
  std::ifstream log(dir + "/log.txt");
  std::string line, last;
  while (std::getline(log, line))
    if (!line.empty()) last = line;
  if (last.find("cancelled after step") != std::string::npos) {
    s.state = RunState::Cancelled;
    s.detail = "log.txt ends with a cancellation";
    return s;
  }
  bool progress = fs::file_size(dir + "/metrics.jsonl", ec) > 0 && !ec;
  for (const auto& e : fs::directory_iterator(dir + "/checkpoints", ec)) {
    (void)e;
    progress = true;
  }
  if (progress) {
    s.state = RunState::Interrupted;
    s.detail = "it has steps or checkpoints but neither finished nor was cancelled";
  } else {
    s.state = RunState::NotStarted;
    s.detail = "no step, checkpoint or snapshot yet";
  }
  return s;
}

}  // namespace

const char* run_state_name(RunState s) {
  switch (s) {
    case RunState::NotStarted: return "not started";
    case RunState::Running: return "running";
    case RunState::Finished: return "finished";
    case RunState::Cancelled: return "cancelled";
    case RunState::Failed: return "failed";
    case RunState::Interrupted: return "interrupted";
  }
  return "?";
}

RunStatus read_run_status(const std::string& dir) {
  nlohmann::json j;
  std::string damaged;
  std::error_code ec;
  if (fs::exists(status_path(dir), ec)) {
    try {
      j = nlohmann::json::parse(read_file(status_path(dir)));
      if (!j.is_object() || !j.contains("state")) damaged = "status.json has no state";
    } catch (const std::exception& e) {
      damaged = std::string("status.json is unreadable: ") + e.what();
    }
  }
  if (j.is_null() || !damaged.empty()) {
    RunStatus s = status_from_files(dir);
    if (!damaged.empty()) s.detail = damaged + "; " + s.detail;
    return s;
  }
  RunStatus s;
  s.from_status_file = true;
  s.host = j.value("host", std::string());
  s.pid = j.value("pid", int64_t(0));
  s.started = j.value("started", std::string());
  s.ended = j.value("ended", std::string());
  s.heartbeat = j.value("heartbeat", std::string());
  s.detail = j.value("detail", std::string());
  const std::string state = j.value("state", std::string());
  if (state == "finished") s.state = RunState::Finished;
  else if (state == "cancelled") s.state = RunState::Cancelled;
  else if (state == "failed") s.state = RunState::Failed;
  else if (state != "running") {
    RunStatus f = status_from_files(dir);
    f.detail = "status.json has an unknown state '" + state + "'; " + f.detail;
    return f;
  }
  if (state != "running") return s;

  // "running" is a claim to check: the process must still be the one that wrote it.
  const int64_t age = unix_now() - j.value("heartbeat_unix", int64_t(0));
  const int64_t interval = std::max<int64_t>(1, j.value("heartbeat_seconds", int64_t(kRunHeartbeatSeconds)));
  if (s.host == host_name() && !s.host.empty()) {
    if (j.value("boot_id", std::string()) != boot_id()) {
      s.state = RunState::Interrupted;
      s.detail = "the machine restarted since process " + std::to_string(s.pid) + " ran it";
    } else if (process_start(s.pid).empty() || process_start(s.pid) != j.value("proc_start", std::string())) {
      s.state = RunState::Interrupted;
      s.detail = "process " + std::to_string(s.pid) + " that ran it has ended without recording how (killed or crashed)";
    } else {
      s.state = RunState::Running;
      s.detail = "process " + std::to_string(s.pid) + " on this machine";
    }
  } else if (age > 3 * interval) {
    s.state = RunState::Interrupted;
    s.detail = "no heartbeat from process " + std::to_string(s.pid) + " on " + s.host + " for " +
               std::to_string(age) + " s";
  } else {
    s.state = RunState::Running;
    s.detail = "process " + std::to_string(s.pid) + " on " + s.host + ", heartbeat " + std::to_string(age) + " s ago";
  }
  return s;
}

RunStatusWriter::RunStatusWriter(std::string run_dir, int heartbeat_seconds)
    : dir_(std::move(run_dir)), started_(iso_utc(unix_now())), heartbeat_seconds_(std::max(1, heartbeat_seconds)) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    write("running", "");
  }
  heartbeat_ = std::thread([this] { beat(); });
}

RunStatusWriter::~RunStatusWriter() {
  try {
    end(RunState::Failed, "the run ended without recording how");
  } catch (...) {
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void RunStatusWriter::write(const std::string& state, const std::string& detail) {
  const int64_t now = unix_now();
  nlohmann::json j = {{"state", state},
                      {"detail", detail},
                      {"pid", int64_t(getpid())},
                      {"host", host_name()},
                      {"boot_id", boot_id()},
                      {"proc_start", process_start(getpid())},
                      {"started", started_},
                      {"heartbeat", iso_utc(now)},
                      {"heartbeat_unix", now},
                      {"heartbeat_seconds", heartbeat_seconds_}};
  if (state != "running") j["ended"] = iso_utc(now);
  write_file_atomic(status_path(dir_), j.dump(2) + "\n");
}

void RunStatusWriter::beat() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!ended_) {
    if (wake_.wait_for(lock, std::chrono::seconds(heartbeat_seconds_), [this] { return ended_; })) break;
    try {
      write("running", "");
    } catch (...) {
      // A folder that went away or a full disk must not end the run; the next beat tries again.
    }
  }
}

void RunStatusWriter::end(RunState state, const std::string& detail) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_) return;
    ended_ = true;
    const char* name = state == RunState::Finished    ? "finished"
                       : state == RunState::Cancelled ? "cancelled"
                                                      : "failed";
    try {
      write(name, detail);
    } catch (...) {
      // The status is a record beside the results: failing to write it must not replace the
      // run's own outcome (or its exception). A reader then sees "interrupted".
    }
  }
  wake_.notify_all();
}

void RunStatusWriter::end_with_current_exception() {
  try {
    throw;
  } catch (const Cancelled&) {
    end(RunState::Cancelled, "cancelled; resume continues from the last finished step");
  } catch (const std::exception& e) {
    end(RunState::Failed, e.what());
  } catch (...) {
    end(RunState::Failed, "an unknown exception");
  }
}

}  // namespace bcjr::quant
