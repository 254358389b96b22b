// `bcjr compare`: the QAT methods side by side on identical windows and seeds. Every (method,
// learning rate, seed) is an ordinary run folder under OUT/runs/ (the studio opens and overlays
// them); after each run the comparison measures what the run itself does not (held-out KL of
// the hardened and of the PTQ model to the FP model, bits per weight, peak memory), keeps it as
// <run>/compare.json, and rewrites OUT/compare.md and OUT/compare.csv (compare_table.h).
// Learning rates: each method runs at a common (or its own given) rate; with tune_lrs, each
// method's rate is also chosen on the first seed by the lowest KL on a validation text that is
// neither calibration nor evaluation text, and all seeds run at it too.
// Order: the common-rate runs seed by seed, then the tuning runs, then the other seeds at the
// tuned rates. A finished run of the same configuration is kept rather than redone and an
// interrupted one is resumed, so a comparison can be split across sessions (max_seconds stops it
// before a new run) by running the same command again.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/quant/compare_table.h"
#include "engine/quant/qat_config.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

struct CompareOptions {
  QatConfig base;  // everything the runs share; method, lr and seed are set per run
  std::vector<QatMethod> methods = all_qat_methods();
  std::vector<uint64_t> seeds{0};
  std::map<QatMethod, double> method_lr;  // a method's own rate for its "fixed" runs (else base.lr)
  std::vector<double> tune_lrs;           // candidates of the per-method tuning ("tuned" runs)
  std::string tune_data;                  // the validation text of the tuning (required with tune_lrs)
  bool reuse = true;                      // keep finished runs, resume interrupted ones
  double max_seconds = 0;                 // > 0: start no new run after this long (then run again)

  void validate() const;  // throws a bcjr::Error naming the option
};

struct CompareHooks {
  ProgressReporter* progress = nullptr;
  std::function<void(const std::string&)> on_log;  // a line per event (run started, reused, figures)
};

struct CompareOutcome {
  std::vector<CompareRow> rows;
  int runs_left = 0;  // > 0: stopped by max_seconds before these runs
  std::map<QatMethod, double> tuned_lr;
  std::string markdown, csv;  // the files written
};

// The folder name of a run: "<method>-lr<lr>-s<seed>".
std::string compare_run_name(QatMethod method, double lr, uint64_t seed);

CompareOutcome run_comparison(const CompareOptions& options, const std::string& out_dir, const CompareHooks& hooks);

}  // namespace bcjr::quant
