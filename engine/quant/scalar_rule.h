// The scalar baselines (rtn, BBQ) inside the QAT loop. Besides the student's weight they replace
// the trellis where the trainer would use it: their PTQ (the method applied to the FP weights),
// W_latent (the FP weights, so that step 0's student is that PTQ, as a trellis run's is its own),
// the drift and code-change metrics in the method's own normalised domain, hardening, the
// checkpointed state (BBQ's learned scales, the hardened codes) and the snapshot export reads.
#pragma once

#include <map>
#include <memory>

#include "engine/quant/gradient_rule.h"
#include "engine/quant/ptq_model.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/scalar_linear.h"

namespace bcjr::quant {

class ScalarRule : public GradientRule {
 public:
  ScalarRule(QatMethod method, int bits);
  QatMethod method() const override { return method_; }

  // PTQ of the seven linears of each layer; the results' q carries only the shape, the name, the
  // method's description and the unit of its normalised domain (q.scale, mean over rows).
  std::map<LinearKey, PtqLinearResult> ptq(model::LlamaModel& teacher, const std::vector<int64_t>& layers);
  // W_latent = the teacher's weight; `ptq` must be this rule's PTQ result of the same linear.
  std::unique_ptr<LatentLinear> make_latent(const LinearKey& key, const PtqLinearResult& ptq,
                                            model::LlamaModel& teacher, const torch::Device& device) const;

  void start_phase(const std::vector<LatentLinear*>& linears, model::LlamaModel& teacher) override;
  torch::Tensor weight(const LatentLinear& l, double T) override;
  std::vector<torch::Tensor> extra_parameters(const LatentLinear& l) const override;
  // Drift from the start in the normalised domain (rtn: W / step; BBQ: the CDF's input z), the
  // mean distance to the nearest code boundary there as `radius`, and code changes against PTQ
  // as flips (weights) and tiles_touched (rows).
  LinearStepMetrics step_metrics(LatentLinear& l, double lr, int64_t steps, bool count_flips) const;

  struct Hardened {
    torch::Tensor weight;  // dequantised, fp32 [rows, cols] on the CPU
    FlipCount changes;     // codes and rows that differ from PTQ
    std::string line;      // for log.txt
  };
  // The final codes of `l` (with its learned scales), recorded as the linear's hardened result.
  Hardened harden(const LatentLinear& l);
  // A run of 0 steps: the PTQ codes are the result.
  void adopt_ptq();

  std::map<std::string, torch::Tensor> state() const override;
  void load_state(const std::map<std::string, torch::Tensor>& saved) override;

  const std::map<LinearKey, ScalarLinear>& hardened() const { return hardened_; }
  std::map<LinearKey, torch::Tensor> hardened_weights() const;
  // results.json's "qat" entries: per linear its mse against the teacher, code changes, method.
  nlohmann::json results_json(model::LlamaModel& teacher) const;
  // snapshots/scalar_quantized.ckpt
  void save_snapshot(const std::string& path) const;

  // A weight of the linear `l` in the method's normalised domain (what its drift is measured in).
  torch::Tensor normalised(const LatentLinear& l, const torch::Tensor& w) const;

 private:
  const ScalarLinear& ptq_of(const LinearKey& key) const;

  QatMethod method_;
  int bits_;
  std::map<LinearKey, ScalarLinear> ptq_, hardened_;
  std::map<LinearKey, torch::Tensor> scales_;  // BBQ: the learned s of the phase's linears (requires grad)
  std::map<LinearKey, double> radius_;         // mean distance to a code boundary at the start
};

}  // namespace bcjr::quant
