// A run folder's status (run_status.h): what a finished, cancelled and failed run records, a run
// killed with kill -9 read as interrupted (not "running" forever), a pid reused by another
// process, another host's stale heartbeat, and folders from before status.json.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_status.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

namespace {

QatConfig tiny(const TempDir& dir) {
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 71);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 72);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 2;
  c.eval_before_after = false;
  return c;
}

nlohmann::json status_json(const std::string& run) { return nlohmann::json::parse(bcjr::read_file(run + "/status.json")); }

void write_status(const std::string& run, nlohmann::json j) {
  std::filesystem::create_directories(run);
  bcjr::write_file_atomic(run + "/status.json", j.dump());
}

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST(RunStatus, FinishedCancelledAndFailedRunsRecordHowTheyEnded) {
  TempDir dir;
  const QatConfig c = tiny(dir);
  QatSession::create(c, dir.file("done"))->run();
  RunStatus s = read_run_status(dir.file("done"));
  EXPECT_EQ(s.state, RunState::Finished) << s.detail;
  EXPECT_TRUE(s.from_status_file);
  EXPECT_EQ(s.pid, int64_t(getpid()));
  EXPECT_FALSE(s.ended.empty());

  auto session = QatSession::create(c, dir.file("cancelled"));
  QatSession* raw = session.get();
  session->set_metrics_callback([raw](const StepMetrics&) { raw->cancel(); });
  EXPECT_THROW(session->run(), bcjr::Cancelled);
  EXPECT_EQ(read_run_status(dir.file("cancelled")).state, RunState::Cancelled);

  // A run that fails once started (a NaN loss at step 1, injected): its status says how it ended.
  // (A configuration the model cannot run, such as a layer it lacks, is refused before the run
  // folder exists: that is QatConfigValidation's.)
  setenv("BCJR_FAULT", "nan-loss@1", 1);
  EXPECT_THROW(QatSession::create(c, dir.file("failed"))->run(), bcjr::Error);
  unsetenv("BCJR_FAULT");
  s = read_run_status(dir.file("failed"));
  EXPECT_EQ(s.state, RunState::Failed);
  EXPECT_NE(s.detail.find("not finite"), std::string::npos) << s.detail;

  // While a run goes on, its status says so (read from the metrics callback, mid-run).
  auto live = QatSession::create(c, dir.file("live"));
  RunState seen = RunState::NotStarted;
  live->set_metrics_callback([&](const StepMetrics&) { seen = read_run_status(dir.file("live")).state; });
  live->run();
  EXPECT_EQ(seen, RunState::Running);
}

TEST(RunStatus, ARunKilledWithSigkillReadsInterrupted) {
  TempDir dir;
  QatConfig c = tiny(dir);
  c.steps = 100000;  // far more than it can do before the kill
  const std::string run = dir.file("run");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child runs the real program, as a user's `bcjr train` would.
    execl(bcjr::test::bcjr_program().c_str(), "bcjr", "train", "--model", c.model.c_str(), "--data", c.data.c_str(),
          "--layers", "0", "--L", "8", "--window", "32", "--steps", "100000", "--no-eval", "--out", run.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  RunStatus s;
  for (int i = 0; i < 600 && s.state != RunState::Running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::filesystem::exists(run + "/status.json")) s = read_run_status(run);
  }
  ASSERT_EQ(s.state, RunState::Running) << s.detail;
  EXPECT_EQ(s.pid, int64_t(pid));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  s = read_run_status(run);
  EXPECT_EQ(s.state, RunState::Interrupted) << s.detail;
  EXPECT_NE(s.detail.find("ended without recording"), std::string::npos) << s.detail;
  // status.json itself still says "running": only the check of its process tells.
  EXPECT_EQ(status_json(run).at("state"), "running");
}

TEST(RunStatus, AReusedPidOrAStaleHeartbeatIsNotRunning) {
  TempDir dir;
  // This process is alive, but it is not the one that started the run (another start time).
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  write_status(dir.file("reused"), {{"state", "running"}, {"pid", int64_t(getpid())}, {"host", host},
                                     {"boot_id", bcjr::read_file("/proc/sys/kernel/random/boot_id").substr(0, 36)},
                                     {"proc_start", "1"}, {"heartbeat_unix", now()}});
  EXPECT_EQ(read_run_status(dir.file("reused")).state, RunState::Interrupted);
  // Another host: trusted while its heartbeat is fresh, interrupted after three missed ones.
  write_status(dir.file("far"), {{"state", "running"}, {"pid", 42}, {"host", "elsewhere.invalid"},
                                  {"heartbeat_unix", now() - 2}, {"heartbeat_seconds", 10}});
  EXPECT_EQ(read_run_status(dir.file("far")).state, RunState::Running);
  write_status(dir.file("far"), {{"state", "running"}, {"pid", 42}, {"host", "elsewhere.invalid"},
                                  {"heartbeat_unix", now() - 31}, {"heartbeat_seconds", 10}});
  RunStatus s = read_run_status(dir.file("far"));
  EXPECT_EQ(s.state, RunState::Interrupted);
  EXPECT_NE(s.detail.find("no heartbeat"), std::string::npos) << s.detail;
  // A damaged status.json is reported, and the folder's files decide.
  write_status(dir.file("damaged"), nlohmann::json::array());
  s = read_run_status(dir.file("damaged"));
  EXPECT_EQ(s.state, RunState::NotStarted);
  EXPECT_NE(s.detail.find("status.json"), std::string::npos) << s.detail;
}

TEST(RunStatus, TheWriterRenewsItsHeartbeat) {
  TempDir dir;
  const std::string run = dir.file("run");
  std::filesystem::create_directories(run);
  {
    RunStatusWriter w(run, 1);
    const int64_t first = status_json(run).at("heartbeat_unix").get<int64_t>();
    int64_t later = first;
    for (int i = 0; i < 40 && later == first; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      later = status_json(run).at("heartbeat_unix").get<int64_t>();
    }
    EXPECT_GT(later, first);
    EXPECT_EQ(read_run_status(run).state, RunState::Running);
  }
  // Gone without saying how: failed, not running.
  EXPECT_EQ(read_run_status(run).state, RunState::Failed);
}

TEST(RunStatus, FoldersWithoutStatusFileAreJudgedByTheirFiles) {
  TempDir dir;
  const std::string run = dir.file("old");
  std::filesystem::create_directories(run + "/checkpoints");
  std::filesystem::create_directories(run + "/snapshots");
  EXPECT_EQ(read_run_status(run).state, RunState::NotStarted);
  bcjr::write_file_atomic(run + "/metrics.jsonl", "{\"step\": 0}\n");
  EXPECT_EQ(read_run_status(run).state, RunState::Interrupted);
  bcjr::write_file_atomic(run + "/log.txt", "2026-01-01T00:00:00Z cancelled after step 1\n");
  EXPECT_EQ(read_run_status(run).state, RunState::Cancelled);
  bcjr::write_file_atomic(run + "/snapshots/quantized.ckpt", "x");
  EXPECT_EQ(read_run_status(run).state, RunState::Finished);
  EXPECT_FALSE(read_run_status(run).from_status_file);
}
