// The BCJR-QAT loop on a loaded model (ALGORITHM.md 6): PTQ initialisation, W_latent per target
// linear, student forward with soft-quantised weights at the step's T against cached teacher
// log-probabilities, forward KL over the full vocabulary in fp32, AdamW with global grad-norm
// clipping, multi-layer modes, hardening by Viterbi, metrics, checkpoints and resume. Every
// quantised weight reaches the model through a weight provider, so the model's own parameters
// stay the teacher's. QatSession (qat_session.h) wraps this for the CLI and the GUI.
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
#include "engine/quant/ptq_model.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/trellis_code.h"
#include "engine/quant/run_folder.h"

namespace bcjr {
class ProgressReporter;
}
namespace bcjr::trellis {
struct TilePosterior;
}
namespace torch::optim {
class AdamW;
}

namespace bcjr::quant {

// Token ids the run works on (the CLI tokenises text; tests give ids directly).
struct QatData {
  std::vector<int64_t> calibration;  // calibration text, no BOS
  std::vector<int64_t> eval_stream;  // perplexity stream (BOS first where the model has one); empty: no eval
  std::string eval_source;           // file name, for the protocol
  std::string eval_sha256;
  std::string bos_policy;
};

struct QatHooks {
  ProgressReporter* progress = nullptr;
  std::function<void(const StepMetrics&)> on_step;
  std::function<void(const std::string&)> on_log;
  const std::atomic<bool>* cancel = nullptr;
  // Called between steps; blocks while the run is paused (returns at once otherwise).
  std::function<void()> wait_if_paused;
};

struct PerplexityFigure {
  std::string label;  // "FP", "PTQ", "QAT"
  double ppl = -1, mean_nll = 0;
  int64_t windows = 0, tokens = 0, ctx = 0;
  std::string dtype;  // of the model while it was measured ("fp32"): part of the protocol
};

class QatTrainer {
 public:
  // The model is the teacher (unmodified weights); `run` is where everything is written.
  QatTrainer(model::LlamaModel model, QatConfig config, QatData data, RunFolder run, QatHooks hooks);
  ~QatTrainer();

  // The whole run: PTQ (or its saved result), perplexities before, the steps left, hardening,
  // perplexity after, snapshots. Resumes from the latest checkpoint in the run folder if any.
  // Throws bcjr::Cancelled when cancelled (after writing a checkpoint of the last finished step).
  void run();

  // Takes effect at the next step; recorded in log.txt and the checkpoints.
  void replace_schedule(const TemperatureSchedule& s);
  TemperatureSchedule schedule() const;

  // Posterior of one tile of a target linear's current W_latent at temperature T (thread-safe;
  // before training starts it uses the PTQ reconstruction). Also returns the tile's target
  // weights and its hard Viterbi symbols.
  struct TileQuery {
    std::vector<float> target;          // the tile's 256 normalised weights
    std::vector<int32_t> viterbi_symbols;  // per trellis step
    std::string label;
  };
  trellis::TilePosterior tile_posterior(int64_t layer, const std::string& linear, int64_t tile, double T,
                                        TileQuery* query) const;

  const std::map<LinearKey, PtqLinearResult>& ptq() const { return ptq_; }
  const std::map<LinearKey, QuantizedLinear>& hardened() const { return hardened_; }
  const std::vector<PerplexityFigure>& perplexities() const { return ppl_; }
  const TrellisCode& code() const { return code_; }
  int64_t steps_done() const { return global_step_; }

 private:
  struct Latent;
  void prepare_ptq();
  std::vector<std::vector<int64_t>> phases() const;
  void start_phase(int64_t phase);
  void train_step();
  void finish_phase();
  void write_checkpoint();
  bool load_checkpoint();
  void install(const std::vector<int64_t>& soft_layers, double T);
  void install_constants(const std::map<LinearKey, torch::Tensor>& weights);
  void uninstall();
  torch::Tensor teacher_log_probs(int64_t window_index, const torch::Tensor& tokens);
  double perplexity(const std::string& label);
  void write_results();
  void write_snapshots();
  LinearStepMetrics linear_metrics(Latent& l, bool count_flips);
  // The AdamW learning rate of a linear: config lr, times its PTQ scale with lr_units "normalised".
  double learning_rate(const Latent& l) const;
  void log(const std::string& line);
  void check_cancel();
  void poll_cancel();

  model::LlamaModel model_;
  QatConfig config_;
  QatData data_;
  RunFolder run_;
  QatHooks hooks_;
  TrellisCode code_;
  // Guards schedule_, latents_ (the map and the values of W_latent) and hardened_weights_ against
  // tile_posterior on another thread; ptq_ is written only before ready_ is set.
  mutable std::mutex mutex_;
  std::atomic<bool> ready_{false};
  TemperatureSchedule schedule_;
  std::map<LinearKey, PtqLinearResult> ptq_;
  std::map<LinearKey, QuantizedLinear> hardened_;
  std::map<LinearKey, std::unique_ptr<Latent>> latents_;  // the current phase's trainable linears
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::map<LinearKey, torch::Tensor> hardened_weights_;  // dequantised hardened_, for installing
  std::vector<PerplexityFigure> ppl_;
  std::map<int64_t, torch::Tensor> teacher_cache_;
  int64_t teacher_cache_bytes_ = 0;
  int64_t phase_ = 0, phase_step_ = 0, global_step_ = 0;
};

}  // namespace bcjr::quant
