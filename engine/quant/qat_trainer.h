// The BCJR-QAT loop on a loaded model (docs/ALGORITHM.md 6): PTQ initialisation, W_latent per target
// linear, student forward with soft-quantised weights at the step's T against cached teacher
// log-probabilities, forward KL over the full vocabulary in fp32, AdamW with global grad-norm
// clipping, multi-layer modes, hardening by Viterbi, metrics, checkpoints and resume. Every
// quantised weight reaches the model through a weight provider, so the model's own parameters
// stay the teacher's. QatSession (qat_session.h) wraps this for the CLI and the GUI.
// This file and qat_trainer.cpp hold the run and its step loop; the other parts live apart, each
// readable alone: a trainable linear and its metrics (qat_latent.h), checkpoints
// (qat_checkpoint.h), results.json and snapshots (qat_results.h), and the tile-posterior service
// other threads call (qat_tile_posterior.h).
#pragma once

#include <torch/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/model/llama.h"
#include "engine/quant/layer_map.h"
#include "engine/quant/gradient_rule.h"
#include "engine/quant/ptq_model.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_data.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/qat_results.h"
#include "engine/quant/qat_tile_posterior.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/schedule_mailbox.h"
#include "engine/quant/trellis_code.h"

namespace bcjr {
class ProgressReporter;
}
namespace torch::optim {
class AdamW;
}

namespace bcjr::quant {

struct LatentLinear;
class ScalarRule;

// What the trainer reports to, and takes from, its owner (QatSession). Cancellation and pause come
// through the training thread's cancellation token (engine/core/cancel.h), installed by the owner.
struct QatHooks {
  ProgressReporter* progress = nullptr;
  std::function<void(const StepMetrics&)> on_step;
  std::function<void(const std::string&)> on_log;
  // FP, PTQ and QAT perplexities as they are measured: label, perplexity, protocol.
  std::function<void(const std::string&, double, const std::string&)> on_perplexity;
  // The schedule of every phase as the run starts (a resumed run's include its edits).
  std::function<void(const std::vector<TemperatureSchedule>&)> on_schedules;
  // Schedules posted from other threads (every phase's or one phase's), taken at the start of each
  // step (optional).
  ScheduleMailbox* schedules = nullptr;
};

class QatTrainer {
 public:
  // The model is the teacher (unmodified weights); `run` is where everything is written.
  QatTrainer(model::LlamaModel model, QatConfig config, QatData data, RunFolder run, QatHooks hooks);
  ~QatTrainer();

  // The whole run: PTQ (or its saved result), perplexities before, the steps left, hardening,
  // perplexity after, snapshots. Resumes from the latest checkpoint in the run folder if any.
  // Throws bcjr::Cancelled when the thread's token is cancelled, after writing a checkpoint of
  // the last finished step. A step is finished once AdamW has moved W_latent: a cancel during its
  // measurements (flips, held-out perplexity) drops those (-1 in its metrics line), not the step.
  void run();

  // The schedule in force in the current phase (training thread), and every phase's (thread-safe).
  // Replacements arrive through QatHooks::schedules; log.txt and the checkpoints record them.
  TemperatureSchedule schedule() const;
  std::vector<TemperatureSchedule> phase_schedules() const;

  // What the posterior of one tile of a target linear needs, copied under the lock (thread-safe):
  // the current W_latent while the linear trains, its hardened weight after, the PTQ reconstruction
  // before training starts. The computation itself is qat_tile_posterior (qat_tile_posterior.h),
  // which the caller runs outside any lock.
  QatTileSource tile_source(int64_t layer, const std::string& linear, int64_t tile) const;
  // A whole target linear for the layer map (layer_map.h), copied under the lock like tile_source,
  // with the teacher's weight beside it.
  LinearState linear_state(int64_t layer, const std::string& linear) const;

  const std::map<LinearKey, PtqLinearResult>& ptq() const { return ptq_; }
  const std::map<LinearKey, QuantizedLinear>& hardened() const { return hardened_; }
  const std::vector<PerplexityFigure>& perplexities() const { return ppl_; }
  const TrellisCode& code() const { return code_; }
  int64_t steps_done() const { return global_step_; }

 private:
  void prepare_ptq();
  std::vector<std::vector<int64_t>> phases() const;
  void start_phase(int64_t phase);
  void train_step();
  void take_posted_schedule();
  void backward(const torch::Tensor& loss);
  void finish_phase();
  void write_checkpoint();
  // Stops the run at the current step because `where` holds a NaN or Inf (log line, message naming
  // it and the last good checkpoint, which is this step's start when state_is_last_step).
  [[noreturn]] void stop_non_finite(const std::string& where, bool state_is_last_step = true);
  bool load_checkpoint();
  QatResultsSource results_source() const;
  void install(const std::vector<int64_t>& soft_layers, double T);
  void install_constants(const std::map<LinearKey, torch::Tensor>& weights);
  // The student at T with each soft codeword computed once (for perplexity, where no gradient flows).
  void install_soft_constants(const std::vector<int64_t>& soft_layers, double T);
  void uninstall();
  torch::Tensor teacher_log_probs(int64_t window_index, const torch::Tensor& tokens);
  double perplexity(const std::string& label);
  void write_results();
  // The AdamW learning rate of a linear: config lr, times its PTQ scale with lr_units "normalised".
  double learning_rate(const LatentLinear& l) const;
  void log(const std::string& line);
  void poll_cancel();

  model::LlamaModel model_;
  QatConfig config_;
  QatData data_;
  RunFolder run_;
  QatHooks hooks_;
  TrellisCode code_;
  // The method: how the student's weight is made from W_latent (gradient_rule.h). The scalar
  // baselines also stand in for the trellis in PTQ, metrics, hardening and snapshots.
  std::unique_ptr<GradientRule> rule_;
  ScalarRule* scalar_ = nullptr;  // rule_, when the method is a scalar baseline
  // Guards schedules_, latents_ (the map and the values of W_latent) and hardened_weights_ against
  // tile_source and linear_state on another thread; held only to copy or publish, never during a
  // computation. ptq_ is written only before ready_ is set; everything else, the step counters
  // included, is the training thread's alone.
  mutable std::mutex mutex_;
  std::atomic<bool> ready_{false};
  std::vector<TemperatureSchedule> schedules_;  // one per phase
  std::map<LinearKey, PtqLinearResult> ptq_;
  std::map<LinearKey, QuantizedLinear> hardened_;
  std::map<LinearKey, std::unique_ptr<LatentLinear>> latents_;  // the current phase's trainable linears
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::map<LinearKey, torch::Tensor> hardened_weights_;  // dequantised hardened_, for installing
  std::vector<PerplexityFigure> ppl_;
  std::map<int64_t, torch::Tensor> teacher_cache_;
  int64_t teacher_cache_bytes_ = 0;
  int64_t phase_ = 0, phase_step_ = 0, global_step_ = 0;
};

}  // namespace bcjr::quant
