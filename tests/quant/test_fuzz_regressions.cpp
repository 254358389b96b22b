// Regression tests of what fuzzing the run-folder and configuration readers found
// (docs/RELIABILITY.md), each named after what it guards, and of the hostile inputs those readers
// were hardened against. Each input must give a one-line bcjr::Error naming the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/schedule.h"
#include "tests/support/test_support.h"

using namespace bcjr;
using namespace bcjr::quant;

namespace {

template <typename F>
std::string refusal(const std::string& name, F&& read) {
  try {
    read();
  } catch (const bcjr::Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find(name), std::string::npos) << "does not name " << name << ": " << m;
    return m;
  }
  ADD_FAILURE() << name << " was accepted";
  return "";
}

}  // namespace

// Found by fuzz_run_json: a run.json holding valid JSON that is not an object (here the number
// 11) reached nlohmann's value() on resume and escaped as its type_error, naming no file.
TEST(FuzzRegressions, RunJsonThatIsNotAnObjectIsRefusedNamingTheFile) {
  test::TempDir dir;
  write_file_atomic(dir.file("run.json"), "11");
  const std::string m = refusal(dir.file("run.json"), [&] { QatSession::resume(dir.path()); });
  EXPECT_NE(m.find("not a JSON object"), std::string::npos) << m;
}

TEST(FuzzRegressions, MetricsLineOfTheWrongShapeNamesFileAndLine) {
  test::TempDir dir;
  const std::string p = dir.file("metrics.jsonl");
  write_file_atomic(p, "{\"step\": 0, \"T\": 0.3, \"kl\": 0.5}\n{\"step\": \"one\", \"T\": 0.2, \"kl\": 0.4}\n");
  const std::string m = refusal(p, [&] { read_metrics_file(p); });
  EXPECT_NE(m.find(p + " line 2: \"step\" must be an integer"), std::string::npos) << m;
  write_file_atomic(p, "[1, 2]\n");
  EXPECT_NE(refusal(p, [&] { read_metrics_file(p); }).find("line 1: a step's metrics are a JSON object"),
            std::string::npos);
}

TEST(FuzzRegressions, TornLastMetricsLineIsNotAStep) {
  test::TempDir dir;
  write_file_atomic(dir.file("run.json"), R"({"kind": "bcjr-qat", "config": {}})");
  const std::string p = dir.file("metrics.jsonl");
  // A crash in the middle of an append leaves a last line without its newline.
  write_file_atomic(p, "{\"step\": 0, \"T\": 0.3, \"kl\": 0.5}\n{\"step\": 1, \"T\": 0.2, \"k");
  EXPECT_EQ(read_metrics_file(p).size(), 1u);
  EXPECT_EQ(RunFolder::open(dir.path()).read_metrics().size(), 1u);
}

TEST(FuzzRegressions, StaleTemporaryFilesOfAKilledWriterAreRemovedOnOpen) {
  test::TempDir dir;
  write_file_atomic(dir.file("run.json"), R"({"kind": "bcjr-qat", "config": {}})");
  std::filesystem::create_directories(dir.file("checkpoints"));
  // pid 2^22 + 1 is above Linux's pid_max: no such process can be alive.
  const std::string dead = dir.file("checkpoints/.step_000002.ckpt.tmp4194305-77");
  const std::string live = dir.file("checkpoints/.step_000003.ckpt.tmp" + std::to_string(getpid()) + "-5");
  write_file_atomic(dead, "half");
  write_file_atomic(live, "half");
  RunFolder::open(dir.path());
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
}

TEST(FuzzRegressions, ScheduleFileThatIsNotAnObjectOrHasNoKindIsRefused) {
  test::TempDir dir;
  const std::string p = dir.file("s.json");
  for (const char* text : {"[]", "0.3", "{\"t\": 0.3}", "{\"kind\": 3}", "{\"kind\": \"points\", \"points\": [[0]]}"}) {
    write_file_atomic(p, text);
    refusal(p, [&] { TemperatureSchedule::parse(p); });
  }
}
