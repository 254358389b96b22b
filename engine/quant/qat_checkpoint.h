// A BCJR-QAT checkpoint, checkpoints/step_NNNNNN.ckpt (a LibTorch archive read only by this
// program): where the run stands (phase, step inside it, global step), the schedule in force and
// the configuration, W_latent and its drift path length for every trainable linear of the current
// phase, the linears hardened so far, and the AdamW state. Written by the training thread only.
#pragma once

#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

#include "engine/quant/ptq_model.h"
#include "engine/quant/quant_params.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/schedule.h"

namespace torch::optim {
class Optimizer;
}
namespace torch::serialize {
class InputArchive;
}

namespace bcjr::quant {

// What a checkpoint holds apart from the optimiser's state.
struct QatCheckpointState {
  int64_t phase = 0, phase_step = 0, global_step = 0;
  TemperatureSchedule schedule = TemperatureSchedule::constant(1.0);  // the one in force
  nlohmann::json config;                              // QatConfig::to_json()
  std::map<LinearKey, torch::Tensor> latents;         // W_latent of the phase's linears (any device)
  std::map<LinearKey, double> paths;                  // their drift path lengths
  std::map<LinearKey, QuantizedLinear> hardened;      // the linears of the finished phases
  std::map<std::string, torch::Tensor> method_state;  // the gradient rule's (GradientRule::state)
};

// Writes the checkpoint atomically; W_latent is stored on the CPU (readable without the GPU).
void write_qat_checkpoint(const std::string& path, const QatCheckpointState& state, const QuantParams& quant,
                          torch::optim::Optimizer* optimizer);

// A checkpoint being read: the position, schedule and hardened linears at once; W_latent and the
// optimiser state when the caller has rebuilt the phase they belong to. Errors name the file.
class QatCheckpointReader {
 public:
  explicit QatCheckpointReader(std::string path);
  ~QatCheckpointReader();

  const std::string& path() const { return path_; }
  int64_t phase() const { return phase_; }
  int64_t phase_step() const { return phase_step_; }
  int64_t global_step() const { return global_step_; }
  const TemperatureSchedule& schedule() const { return schedule_; }
  const std::map<LinearKey, QuantizedLinear>& hardened() const { return hardened_; }
  // The gradient rule's state (empty in checkpoints written before the methods existed).
  const std::map<std::string, torch::Tensor>& method_state() const { return method_state_; }

  // W_latent of `key` (on the CPU), checked against the expected shape.
  torch::Tensor latent(const LinearKey& key, at::IntArrayRef shape) const;
  double path_length(const LinearKey& key) const;
  void load_optimizer(torch::optim::Optimizer& optimizer) const;

 private:
  std::string path_;
  std::unique_ptr<torch::serialize::InputArchive> archive_;
  nlohmann::json meta_;
  int64_t phase_ = 0, phase_step_ = 0, global_step_ = 0;
  TemperatureSchedule schedule_ = TemperatureSchedule::constant(1.0);  // read from the file
  std::map<LinearKey, QuantizedLinear> hardened_;
  std::map<std::string, torch::Tensor> method_state_;
};

}  // namespace bcjr::quant
