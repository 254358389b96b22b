// Faults during a run (docs/RELIABILITY.md): kill -9 at random moments of `bcjr train` (PTQ,
// training steps, checkpoint writes) and `bcjr export`, a disk that fills up, a folder that turns
// read-only, and a NaN or Inf in the loss, the gradients or the weights. After each the run folder
// must be valid (every file whole), and `--resume` must reach the uninterrupted result.
// The number of kills is small here (CI); scripts/fault-campaign runs many more through
// BCJR_FAULT_KILLS.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/quant/export_packed.h"
#include "engine/quant/qat_checkpoint.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/small_tmpfs.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Runs `argv` (the bcjr program and its arguments) and kills it with SIGKILL after `delay`
// unless it ends first; true if it was killed, false if it finished (then `exit_code` is set).
bool run_and_kill(const std::vector<std::string>& argv, std::chrono::milliseconds delay, int* exit_code) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // Quiet child: its progress bars would only clutter the test log.
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execv(args[0], args.data());
    _exit(127);
  }
  const auto end = std::chrono::steady_clock::now() + delay;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {  // finished in the last moment
    *exit_code = WEXITSTATUS(status);
    return false;
  }
  return true;
}

// Every file under its final name in a run folder is whole: it parses as what it is.
void expect_run_folder_valid(const std::string& dir) {
  if (!fs::exists(dir + "/run.json")) return;  // killed before the run was created
  EXPECT_NO_THROW(RunFolder::open(dir).read_manifest()) << dir;
  if (fs::exists(dir + "/metrics.jsonl")) {
    EXPECT_NO_THROW(read_metrics_file(dir + "/metrics.jsonl"));
  }
  if (fs::exists(dir + "/results.json")) {
    EXPECT_NO_THROW(nlohmann::json::parse(bcjr::read_file(dir + "/results.json"))) << "results.json";
  }
  for (const auto& e : fs::directory_iterator(dir + "/checkpoints")) {
    const std::string p = e.path().string(), name = e.path().filename().string();
    if (name[0] == '.') continue;  // a temporary file of a killed write: never read
    QuantParams params;
    if (name == "ptq.ckpt") {
      EXPECT_NO_THROW(load_quantized_linears(p, &params)) << p;
    } else {
      EXPECT_NO_THROW(QatCheckpointReader{p}) << p;
    }
  }
  for (const auto& e : fs::directory_iterator(dir + "/snapshots")) {
    const std::string p = e.path().string(), name = e.path().filename().string();
    if (name[0] == '.') continue;
    QuantParams params;
    if (e.path().extension() == ".pt") {
      EXPECT_NO_THROW(bcjr::model::read_layer_snapshot_pt(p)) << p;
    } else {
      EXPECT_NO_THROW(load_quantized_linears(p, &params)) << p;
    }
  }
}

std::vector<double> kl_of(const std::string& dir) {
  std::vector<double> kl;
  for (const auto& m : read_metrics_file(dir + "/metrics.jsonl")) kl.push_back(m.kl);
  return kl;
}

void expect_same_result(const std::string& a, const std::string& b) {
  EXPECT_EQ(kl_of(a), kl_of(b));
  auto ra = nlohmann::json::parse(bcjr::read_file(a + "/results.json"));
  auto rb = nlohmann::json::parse(bcjr::read_file(b + "/results.json"));
  EXPECT_EQ(ra["perplexity"], rb["perplexity"]);
  EXPECT_EQ(ra["qat"], rb["qat"]);
  QuantParams p;
  auto qa = load_quantized_linears(a + "/snapshots/quantized.ckpt", &p);
  auto qb = load_quantized_linears(b + "/snapshots/quantized.ckpt", &p);
  ASSERT_EQ(qa.size(), qb.size());
  for (const auto& kv : qa) EXPECT_TRUE(kv.second.states.equal(qb.at(kv.first).states)) << linear_label(kv.first);
}

int kills_wanted(int fallback) {
  const char* env = std::getenv("BCJR_FAULT_KILLS");
  return env && std::atoi(env) > 0 ? std::atoi(env) : fallback;
}

struct TinyRun {
  TempDir dir;
  std::string model, tokens, config;
  QatConfig c;
  explicit TinyRun(int64_t steps) {
    model = bcjr::test::write_tiny_llama(dir.file("model"), 5);
    tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 6);
    c = bcjr::test::tiny_qat_run(model, tokens);
    c.steps = steps;
    c.lr = 2e-3;
    config = dir.file("config.json");
    bcjr::write_file_atomic(config, c.to_json().dump());
  }
};

}  // namespace

TEST(Faults, KillNineDuringTrainingResumesToTheUninterruptedResult) {
  TinyRun t(4);
  const std::string bcjr = bcjr::test::bcjr_program();
  // The reference, uninterrupted, and how long it takes: kills are drawn over that span.
  const auto t0 = std::chrono::steady_clock::now();
  auto ref = bcjr::test::run_command(bcjr + " train --threads 1 --config " + t.config + " --out " +
                                     t.dir.file("ref") + " 2>&1");
  ASSERT_EQ(ref.exit_code, 0) << ref.out;
  const auto span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);

  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> when(0, span.count());
  // Rounds: a fresh run killed and resumed until it finishes by itself, then compared with the
  // reference; rounds go on until `wanted` kills have been made (a run resumed often enough
  // finishes, so one round holds only a few).
  int kills = 0, finished_early = 0, rounds = 0;
  const int wanted = kills_wanted(4);
  while (kills < wanted) {
    const std::string run = t.dir.file("killed-" + std::to_string(rounds++));
    const int kills_before = kills;
    for (;;) {
      std::vector<std::string> argv = {bcjr, "train", "--threads", "1"};
      if (fs::exists(run + "/run.json")) argv.insert(argv.end(), {"--resume", run});
      else argv.insert(argv.end(), {"--config", t.config, "--out", run});
      const auto delay = std::chrono::milliseconds(when(rng));
      int code = -1;
      if (!run_and_kill(argv, delay, &code)) {
        ASSERT_EQ(code, 0) << "bcjr train ended by itself with " << code;
        ++finished_early;
        break;  // nothing left to interrupt
      }
      ++kills;
      SCOPED_TRACE("after kill " + std::to_string(kills) + " at " + std::to_string(delay.count()) + " ms (seed " +
                   std::to_string(seed) + ")");
      expect_run_folder_valid(run);
      if (kills - kills_before >= 50) break;  // a run that never gets anywhere: resumed below
    }
    std::vector<std::string> argv = {bcjr, "train", "--threads", "1"};
    if (fs::exists(run + "/run.json")) argv.insert(argv.end(), {"--resume", run});
    else argv.insert(argv.end(), {"--config", t.config, "--out", run});
    int code = -1;
    ASSERT_FALSE(run_and_kill(argv, std::chrono::minutes(10), &code));
    ASSERT_EQ(code, 0);
    SCOPED_TRACE("round " + std::to_string(rounds) + " (seed " + std::to_string(seed) + ")");
    expect_run_folder_valid(run);
    expect_same_result(t.dir.file("ref"), run);
  }
  std::printf("kill -9 campaign: %d kills in %d rounds over %lld ms runs, %d rounds' last run finished by itself, seed %llu\n",
              kills, rounds, (long long)span.count(), finished_early, (unsigned long long)seed);
}

TEST(Faults, KillNineDuringExportNeverLeavesAHalfWrittenFile) {
  TinyRun t(1);
  t.c.eval_before_after = false;
  bcjr::write_file_atomic(t.config, t.c.to_json().dump());
  const std::string bcjr = bcjr::test::bcjr_program();
  auto r = bcjr::test::run_command(bcjr + " train --threads 1 --config " + t.config + " --out " + t.dir.file("run") +
                                   " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* format : {"packed", "pt"}) {
    const std::string out = t.dir.file(std::string("export.") + (format == std::string("pt") ? "pt" : "safetensors"));
    const auto t0 = std::chrono::steady_clock::now();
    int code = -1;
    ASSERT_FALSE(run_and_kill({bcjr, "export", t.dir.file("run"), "--format", format, "--out", out},
                              std::chrono::minutes(5), &code));
    ASSERT_EQ(code, 0);
    const auto span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    fs::remove(out);
    std::mt19937_64 rng(std::random_device{}());
    for (int k = 0; k < kills_wanted(3); ++k) {
      const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, span.count())(rng));
      run_and_kill({bcjr, "export", t.dir.file("run"), "--format", format, "--out", out}, delay, &code);
      if (!fs::exists(out)) continue;  // killed before the rename: nothing under the name
      if (std::string(format) == "packed") {
        EXPECT_NO_THROW(read_packed(out, nullptr)) << "after " << delay.count() << " ms";
      } else {
        EXPECT_NO_THROW(bcjr::model::read_layer_snapshot_pt(out)) << "after " << delay.count() << " ms";
      }
      fs::remove(out);
    }
  }
}

namespace {

// An in-process tiny run in `dir` whose metrics callback may act after a given step.
std::unique_ptr<QatSession> tiny_session(const TinyRun& t, const std::string& dir,
                                         std::function<void(const StepMetrics&)> on_step = {}) {
  QatConfig c = t.c;
  c.eval_before_after = false;
  auto s = QatSession::create(c, dir);
  if (on_step) s->set_metrics_callback(std::move(on_step));
  return s;
}

}  // namespace

TEST(Faults, DiskFullStopsWithAClearErrorAndKeepsTheLastGoodCheckpoint) {
  bcjr::test::SmallTmpfs disk(8 << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  TinyRun t(4);
  tiny_session(t, t.dir.file("ref"))->run();
  const std::string run = disk.file("run");
  auto s = tiny_session(t, run, [&](const StepMetrics& m) {
    if (m.step == 1) disk.fill();  // the checkpoint of step 2 is the next write
  });
  try {
    s->run();
    FAIL() << "a full disk went unnoticed";
  } catch (const bcjr::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("step_000002.ckpt: cannot write"), std::string::npos) << msg;
    EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
    EXPECT_NE(msg.find("previous version, if any, is kept"), std::string::npos) << msg;
  }
  EXPECT_EQ(fs::path(RunFolder::open(run).latest_checkpoint()).filename(), "step_000001.ckpt");
  for (const auto& e : fs::directory_iterator(run + "/checkpoints"))
    EXPECT_NE(e.path().filename().string()[0], '.') << "temporary file left: " << e.path();
  disk.remove_filler();
  QatSession::resume(run)->run();
  EXPECT_EQ(kl_of(run), kl_of(t.dir.file("ref")));
}

TEST(Faults, ReadOnlyFolderStopsWithAClearErrorAndKeepsTheLastGoodCheckpoint) {
  bcjr::test::SmallTmpfs disk(8 << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  TinyRun t(4);
  const std::string run = disk.file("run");
  auto s = tiny_session(t, run, [&](const StepMetrics& m) {
    if (m.step == 1) disk.set_read_only(true);
  });
  try {
    s->run();
    FAIL() << "a read-only folder went unnoticed";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Read-only file system"), std::string::npos) << e.what();
  }
  disk.set_read_only(false);
  EXPECT_EQ(fs::path(RunFolder::open(run).latest_checkpoint()).filename(), "step_000001.ckpt");
  QatSession::resume(run)->run();
  EXPECT_EQ(kl_of(run).size(), 4u);
}

namespace {

struct FaultEnv {
  explicit FaultEnv(const char* spec) { setenv("BCJR_FAULT", spec, 1); }
  ~FaultEnv() { unsetenv("BCJR_FAULT"); }
};

// Runs the tiny run with BCJR_FAULT=spec; returns the error message and checks what was kept.
std::string run_with_fault(const char* spec, const char* expect_checkpoint, size_t expect_metrics) {
  TinyRun t(4);
  t.c.checkpoint_every = 2;
  const std::string run = t.dir.file("run");
  FaultEnv fault(spec);
  std::string msg;
  try {
    tiny_session(t, run)->run();
    ADD_FAILURE() << spec << " went unnoticed";
  } catch (const bcjr::Error& e) {
    msg = e.what();
  }
  EXPECT_EQ(fs::path(RunFolder::open(run).latest_checkpoint()).filename(), expect_checkpoint) << spec;
  EXPECT_EQ(kl_of(run).size(), expect_metrics) << spec;
  EXPECT_NE(bcjr::read_file(run + "/log.txt").find(msg), std::string::npos) << "not in log.txt: " << msg;
  return msg;
}

}  // namespace

TEST(Faults, NonFiniteLossGradientOrWeightStopsTheRunAtThatStepSayingWhere) {
  // Checkpoints every 2 steps; the fault in step 3 (0-based). Before the update (loss, gradient)
  // W_latent still holds step 3's start, which is checkpointed; after it (weight) it does not, and
  // the last good checkpoint is step 2's.
  std::string m = run_with_fault("nan-loss@3", "step_000003.ckpt", 3);
  EXPECT_NE(m.find("BCJR-QAT stopped at step 3: the loss (KL = nan) is not finite"), std::string::npos) << m;
  EXPECT_NE(m.find("step_000003.ckpt"), std::string::npos) << m;
  m = run_with_fault("nan-grad@3", "step_000003.ckpt", 3);
  EXPECT_NE(m.find("stopped at step 3: the gradient of W_latent of layer 0 "), std::string::npos) << m;
  m = run_with_fault("inf-weight@3", "step_000002.ckpt", 3);
  EXPECT_NE(m.find("stopped at step 3: W_latent of layer 0 "), std::string::npos) << m;
  EXPECT_NE(m.find("the last good checkpoint is "), std::string::npos) << m;
}
