// How a QAT run's student weight is made from W_latent, and so which gradient reaches W_latent:
// the method of the run (qat_method.h). The trainer asks its rule for the weight of each target
// linear at every forward, lets it prepare before a step's forward (JacQuant re-estimates its
// slopes), trains its extra parameters (BBQ's scales), adds its figures to the step metrics, and
// keeps its state in checkpoints. Each rule lives in its own file; docs/METHODS.md defines them.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/llama.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/trellis_code.h"

namespace bcjr::quant {

struct LatentLinear;

class GradientRule {
 public:
  virtual ~GradientRule() = default;
  virtual QatMethod method() const = 0;

  // A new phase: its trainable linears (owned by the trainer until the phase ends) and the
  // teacher, whose weights some rules measure their quantisation error against.
  virtual void start_phase(const std::vector<LatentLinear*>& linears, model::LlamaModel& teacher) {
    (void)linears;
    (void)teacher;
  }
  // Before the forward of a step (global_step counts over the run, phase_step inside the phase).
  virtual void before_step(int64_t global_step, int64_t phase_step) {
    (void)global_step;
    (void)phase_step;
  }
  // The student's weight of `l` at temperature T, fp32 [rows, cols]; autograd reaches l.w (and
  // the rule's extra parameters).
  virtual torch::Tensor weight(const LatentLinear& l, double T) = 0;
  // Parameters of `l` trained beside its W_latent by the same AdamW, without weight decay.
  virtual std::vector<torch::Tensor> extra_parameters(const LatentLinear& l) const {
    (void)l;
    return {};
  }
  // The rule's own figures for a linear's step metrics.
  virtual void add_metrics(const LatentLinear& l, LinearStepMetrics& m) const {
    (void)l;
    (void)m;
  }
  // Checkpoint state as named tensors (written on the CPU). load_state runs after start_phase of
  // the phase being resumed, with what state() returned when the checkpoint was written.
  virtual std::map<std::string, torch::Tensor> state() const { return {}; }
  virtual void load_state(const std::map<std::string, torch::Tensor>& saved) { (void)saved; }
};

// The rule of config.method. Trellis rules quantise through `code`, which must outlive the rule.
std::unique_ptr<GradientRule> make_gradient_rule(const QatConfig& config, const TrellisCode& code);

// The hard trellis reconstruction of W_latent (tail-biting Viterbi of its normalised tiles, with
// the linear's frozen signs and scale) in the forward pass; in the backward pass the gradient of
// each tile, in the normalised tile domain, times slopes[tile] (undefined: 1, the STE). `hard`
// may hold the tiles' Viterbi codeword already (float32 [tiles, 256]); else it is computed.
torch::Tensor hard_quantized_weight(const LatentLinear& l, const TrellisCode& code, const torch::Tensor& slopes,
                                    const torch::Tensor& hard = torch::Tensor());
// The Viterbi codeword of normalised tiles [tiles, 256] on their own device (no gradient).
torch::Tensor hard_codeword(const torch::Tensor& tiles, const TrellisCode& code);

}  // namespace bcjr::quant
