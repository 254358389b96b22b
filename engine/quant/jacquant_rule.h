// JacQuant-style learned Jacobian on the trellis: the forward pass is the hard tail-biting Viterbi
// reconstruction, the backward pass dW = b_g * dW_hat with one slope b_g per 256-weight tile in
// the normalised tile domain, starting at 1 (the STE) and refreshed every few steps from the Probe
// and Dither estimators (jacquant_estimators.h) with the smoothing of JacQuantOptions. The slopes
// are checkpointed, so a resumed run continues with the same ones. docs/METHODS.md.
#pragma once

#include <map>

#include "engine/quant/gradient_rule.h"
#include "engine/quant/ptq_model.h"

namespace bcjr::quant {

class JacQuantRule : public GradientRule {
 public:
  // `seed` (the run's) and the step seed the probe directions and the dither.
  JacQuantRule(const TrellisCode& code, const JacQuantOptions& options, uint64_t seed);
  QatMethod method() const override { return QatMethod::JacQuant; }

  void start_phase(const std::vector<LatentLinear*>& linears, model::LlamaModel& teacher) override;
  void before_step(int64_t global_step, int64_t phase_step) override;
  torch::Tensor weight(const LatentLinear& l, double T) override;
  void add_metrics(const LatentLinear& l, LinearStepMetrics& m) const override;
  std::map<std::string, torch::Tensor> state() const override;
  void load_state(const std::map<std::string, torch::Tensor>& saved) override;

  // The slopes of a linear, float32 [tiles] on the latent's device (tests, the studio's view).
  const torch::Tensor& slopes(const LinearKey& key) const;
  // The Probe and Dither estimates of the last refresh (undefined before the first).
  const torch::Tensor& last_probe(const LinearKey& key) const;
  const torch::Tensor& last_dither(const LinearKey& key) const;

 private:
  struct Linear {
    const LatentLinear* latent = nullptr;
    torch::Tensor slopes;       // float32 [tiles]
    torch::Tensor scale;        // float32 [tiles]: probe size and dither sigma
    torch::Tensor hard;         // the Viterbi codeword computed by the last refresh, for its forward
    torch::Tensor probe, dither;
  };
  void refresh(Linear& lin, const LinearKey& key, int64_t global_step);
  const Linear& at(const LinearKey& key) const;

  const TrellisCode& code_;
  JacQuantOptions options_;
  uint64_t seed_;
  std::map<LinearKey, Linear> linears_;
};

}  // namespace bcjr::quant
