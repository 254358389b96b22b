// Reading run folders without LibTorch (run_index.h): a finished run's summary, the labels that
// name runs by what differs between them, the schedule a resume continues with; and the default
// split of calibration and evaluation data (data_split.h), recorded in run.json with its hashes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/npy_tensor.h"
#include "engine/model/model_loader.h"
#include "engine/quant/data_split.h"
#include "engine/quant/qat_presets.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_index.h"
#include "engine/quant/token_data.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

TEST(DataSplit, HoldsOutTheLastLinesAndKeepsBothPartsNonEmpty) {
  std::string text;
  for (int i = 1; i <= 20; ++i) text += "line " + std::to_string(i) + "\n";
  LineSplit s = split_lines(text, 0.1);
  EXPECT_EQ(s.lines, 20);
  EXPECT_EQ(s.held_lines, 2);
  EXPECT_EQ(text.substr(s.held_begin), "line 19\nline 20\n");
  EXPECT_EQ(describe_line_part(s, DataPart::Calibration), "lines 1-18 of 20");
  EXPECT_EQ(describe_line_part(s, DataPart::HeldOut), "lines 19-20 of 20");
  // A last line without a newline counts; at least one line on each side; 0 holds nothing out.
  s = split_lines("a\nb\nc", 0.1);
  EXPECT_EQ(s.lines, 3);
  EXPECT_EQ(s.held_lines, 1);
  EXPECT_EQ(std::string("a\nb\nc").substr(s.held_begin), "c");
  EXPECT_EQ(split_lines("a\nb\n", 0.9).held_lines, 1);
  EXPECT_EQ(split_lines("only\n", 0.5).held_lines, 0);
  EXPECT_EQ(split_lines(text, 0).held_begin, text.size());
  EXPECT_EQ(held_out_count(430, 0.1), 43);
  EXPECT_THROW(held_out_count(10, 1.0), bcjr::Error);
  EXPECT_EQ(parse_data_part("held-out", "--part"), DataPart::HeldOut);
  EXPECT_THROW(parse_data_part("test", "--part"), bcjr::Error);
}

TEST(DataSplit, ARunWithoutEvalDataCalibratesAndEvaluatesOnDisjointParts) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 81);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 640, 64, 82);
  QatConfig c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 1;
  ASSERT_TRUE(c.splits_data());
  QatSession::create(c, dir.file("run"))->run();
  auto manifest = nlohmann::json::parse(bcjr::read_file(dir.file("run/run.json")));
  const auto& d = manifest.at("data");
  const auto& e = manifest.at("eval_data");
  EXPECT_EQ(d.at("part"), "calibration");
  EXPECT_EQ(e.at("part"), "held-out");
  EXPECT_EQ(d.at("range"), "ids [0, 576) of 640");
  EXPECT_EQ(e.at("range"), "ids [576, 640) of 640");
  EXPECT_EQ(d.at("tokens"), 576);
  EXPECT_EQ(e.at("tokens"), 64);
  EXPECT_EQ(d.at("sha256"), e.at("sha256"));  // one file ...
  EXPECT_NE(d.at("part_sha256"), e.at("part_sha256"));  // ... two parts, each hashed
  auto ids = bcjr::load_npy_tensor(tokens).contiguous();
  const int64_t* p = ids.data_ptr<int64_t>();
  EXPECT_EQ(e.at("part_sha256"), bcjr::sha256_hex(p + 576, 64 * sizeof(int64_t)));
  // The perplexities name the part they were measured on, and the dtype.
  auto results = nlohmann::json::parse(bcjr::read_file(dir.file("run/results.json")));
  const std::string data = results.at("protocol").at("data");
  EXPECT_NE(data.find("ids [576, 640) of 640"), std::string::npos) << data;
  EXPECT_EQ(results.at("protocol").at("dtype"), "fp32");
  for (const auto& f : results.at("perplexity")) EXPECT_EQ(f.at("dtype"), "fp32");
  // A held-out part too short for one perplexity window is an error naming what to change.
  QatConfig small = c;
  small.data = bcjr::test::write_token_ids(dir.file("few.npy"), 120, 64, 83);
  try {
    QatSession::create(small, dir.file("small"))->run();
    ADD_FAILURE() << "no error for a 12-token held-out part";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("few.npy"), std::string::npos) << e.what();
  }
}

TEST(QatDefaults, NormalisedRateByDefaultThePapersRecipeAsAPreset) {
  const QatConfig d;
  EXPECT_EQ(d.lr_units, "normalised");
  EXPECT_DOUBLE_EQ(d.lr, 0.05);
  EXPECT_DOUBLE_EQ(d.held_out, 0.1);
  QatConfig p = d;
  p.model = "m";
  apply_qat_preset(p, "paper");
  EXPECT_EQ(p.lr_units, "weight");
  EXPECT_DOUBLE_EQ(p.lr, 2e-4);
  EXPECT_EQ(p.steps, 10);
  EXPECT_TRUE(p.schedule == TemperatureSchedule::preset("skip-high-T"));
  EXPECT_EQ(p.model, "m");  // a recipe leaves the model, data and layers alone
  EXPECT_THROW(apply_qat_preset(p, "fast"), bcjr::Error);
  // A configuration written before the new keys keeps the meaning it had: the paper's units,
  // no split (it names eval_data).
  auto old = nlohmann::json::parse(R"({"model": "m", "data": "d", "eval_data": "", "lr": 0.0002})");
  QatConfig o = QatConfig::from_json(old, "old run.json");
  EXPECT_EQ(o.lr_units, "weight");
  EXPECT_DOUBLE_EQ(o.held_out, 0.0);
  EXPECT_FALSE(o.splits_data());
  // ... and a round trip keeps everything.
  EXPECT_EQ(QatConfig::from_json(d.to_json(), "x").to_json(), d.to_json());
}

TEST(RunIndex, LabelsNameWhatDiffersBetweenRuns) {
  QatConfig a, b;
  b.schedule = TemperatureSchedule::preset("naive");
  EXPECT_EQ(difference_labels({a, b}, {"r1", "r2"}), (std::vector<std::string>{"skip-high-T", "naive"}));
  b = a;
  b.lr = 0.01;
  b.seed = 1;
  EXPECT_EQ(difference_labels({a, b}, {"r1", "r2"}), (std::vector<std::string>{"lr 0.05, seed 0", "lr 0.01, seed 1"}));
  b = a;
  b.ptq_mode = "ldlq";
  EXPECT_EQ(difference_labels({a, b, a}, {"r1", "r2", "r3"}),
            (std::vector<std::string>{"from rht (r1)", "from ldlq", "from rht (r3)"}));
  // Nothing differs, or one run alone: the folder names.
  EXPECT_EQ(difference_labels({a, a}, {"r1", "r2"}), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(difference_labels({a}, {"only"}), (std::vector<std::string>{"only"}));
  EXPECT_EQ(describe_schedule(TemperatureSchedule::exponential(0.5, 0.01)), "exponential 0.5 -> 0.01");
  EXPECT_EQ(describe_schedule(TemperatureSchedule::constant(0.1)), "constant 0.1");
}

TEST(RunIndex, SummaryOfAFinishedRunAndTheScheduleAResumeKeeps) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 91);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 640, 64, 92);
  QatConfig c = bcjr::test::tiny_qat_run(model, tokens);
  c.schedule = TemperatureSchedule::preset("naive");
  QatSession::create(c, dir.file("runs/a"))->run();
  std::filesystem::create_directories(dir.file("runs/not-a-run"));
  auto runs = list_runs(dir.file("runs"));
  ASSERT_EQ(runs.size(), 1u);
  const RunSummary& r = runs[0];
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.name, "a");
  EXPECT_EQ(r.status.state, RunState::Finished);
  EXPECT_EQ(r.model, "model");
  EXPECT_EQ(r.layers, "0");
  EXPECT_EQ(r.method, "BCJR-QAT from rht");
  EXPECT_EQ(r.schedule, "naive");
  EXPECT_EQ(r.steps_done, 3);
  EXPECT_EQ(r.steps_total, 3);
  auto results = nlohmann::json::parse(bcjr::read_file(dir.file("runs/a/results.json")));
  for (const auto& f : results.at("perplexity")) {
    const double want = f.at("ppl").get<double>();
    const std::string label = f.at("label");
    EXPECT_EQ(label == "FP" ? r.ppl_fp : label == "PTQ" ? r.ppl_ptq : r.ppl_qat, want) << label;
  }
  EXPECT_FALSE(std::isnan(r.ppl_qat));
  EXPECT_NE(r.protocol.find("fp32"), std::string::npos) << r.protocol;
  EXPECT_FALSE(summarize_run(dir.file("runs/not-a-run")).error.empty());

  // Schedule edits the log records count when the checkpoint a resume starts from holds them.
  EXPECT_TRUE(schedule_in_force(dir.file("runs/a")) == TemperatureSchedule::preset("naive"));
  const auto edit = TemperatureSchedule::constant(0.2).to_json().dump();
  const auto later = TemperatureSchedule::constant(0.7).to_json().dump();
  bcjr::write_file_atomic(dir.file("runs/a/log.txt"), "t schedule replaced before step 1: " + edit + "\n" +
                                                          "t schedule replaced before step 3: " + later + "\n");
  EXPECT_TRUE(schedule_in_force(dir.file("runs/a")) == TemperatureSchedule::constant(0.2));
}
