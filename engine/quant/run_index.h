// What the Runs panel and `bcjr runs` show about run folders, read without LibTorch: each run's
// status (run_status.h), model, layers, method, schedule, learning rate, steps and FP / PTQ /
// QAT perplexities with their protocol; the labels that name several runs by what differs
// between their configurations; and the schedule a resumed run continues with.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/quant/qat_config.h"
#include "engine/quant/run_status.h"
#include "engine/quant/schedule.h"

namespace bcjr::quant {

struct RunSummary {
  std::string path;   // the folder
  std::string name;   // its last component
  std::string error;  // non-empty: run.json is missing or unreadable, the rest is empty
  RunStatus status;
  nlohmann::json config_json;  // run.json's "config" as written
  QatConfig config;            // parsed (defaults where error is set)
  std::string model;           // file or folder name of the model
  std::string layers;          // "4" or "4,8"
  std::string method;          // "BCJR-QAT from rht, joint" or "PTQ rht"
  std::string schedule;        // describe_schedule(config.schedule)
  int64_t steps_total = 0, steps_done = 0;  // steps in all; lines in metrics.jsonl
  double ppl_fp = NAN, ppl_ptq = NAN, ppl_qat = NAN;  // NaN: not measured (yet)
  std::string protocol;        // "<data part>, ctx 2048, 27 windows, one BOS ..., fp32"
};

// Never throws: a folder that is not a readable run gets `error` set.
RunSummary summarize_run(const std::string& dir);
// Every immediate subfolder of `root` holding a run.json, sorted by name ("" if root is missing).
std::vector<RunSummary> list_runs(const std::string& root);

// "skip-high-T", "naive", "exponential 0.3 -> 0.05", "cosine 1 -> 0.05", "constant 0.1",
// "points (12)".
std::string describe_schedule(const TemperatureSchedule& s);

// One legend label per run: the values of the configuration fields that differ between the
// runs (schedule, lr and its units, seed, PTQ method, multi-layer mode, layers, steps, trellis,
// data, model), e.g. "naive, lr 0.05" against "skip-high-T, lr 0.01". A run alone, or runs that
// differ in nothing, are named by `names`; labels that still coincide get their name added.
std::vector<std::string> difference_labels(const std::vector<QatConfig>& configs, const std::vector<std::string>& names);

// The schedule a resume of `dir` continues with: the configuration's, replaced by the schedule
// edits the log records ("schedule replaced before step G: {...}") that its latest checkpoint
// already holds (G below the checkpoint's step), as QatTrainer restores it.
TemperatureSchedule schedule_in_force(const std::string& dir);

}  // namespace bcjr::quant
