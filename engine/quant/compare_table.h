// The table of `bcjr compare`: one row per run (method, learning rate, seed) with the figures the
// comparison measured, kept as <run>/compare.json, and the Markdown and CSV views of all rows:
// a summary per method and learning rate (mean +- sd over seeds), every run, and the tuning runs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::quant {

struct CompareRow {
  std::string name;    // the run folder's name under runs/
  std::string method;  // bcjr, ste, jacquant, bbq, rtn
  std::string role;    // "fixed" (the common or given lr), "tuned" (the method's tuned lr), "tuning"
  double lr = 0;
  uint64_t seed = 0;
  int64_t steps = 0;
  double ppl_fp = -1, ppl_ptq = -1, ppl_qat = -1;  // after hardening
  double kl_qat = -1, kl_ptq = -1;                 // held-out KL(FP || model), nats per token
  double kl_val = -1;                              // tuning runs: KL on the validation text
  int64_t changes = -1, units = 0;                 // changed trellis steps / codes against PTQ, of `units`
  std::string unit;                                // "trellis steps" or "codes"
  double bits_nominal = 0, bits_effective = 0;
  double seconds_per_step = 0;                     // mean over the run's steps
  double peak_host_mb = -1, peak_device_mb = -1;   // over the run (training and its evaluations)

  nlohmann::json to_json() const;
  static CompareRow from_json(const nlohmann::json& j, const std::string& source);
};

// `header` holds what every row shares: model, layers, steps, data, protocol (ctx, windows,
// tokens, BOS, dtype), device, trellis, tuning rule. Rows in the order the runs were made.
std::string compare_markdown(const std::vector<CompareRow>& rows, const nlohmann::json& header);
std::string compare_csv(const std::vector<CompareRow>& rows);

}  // namespace bcjr::quant
