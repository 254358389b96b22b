#include "engine/quant/qat_session.h"

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/progress.h"
#include "engine/model/model_loader.h"
#include "engine/model/perplexity.h"
#include "engine/quant/qat_config_check.h"
#include "engine/quant/qat_trainer.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/run_status.h"
#include "engine/quant/token_data.h"

namespace bcjr::quant {

struct QatSession::Impl {
  Impl(QatConfig c, std::string d)
      : config(std::move(c)), dir(std::move(d)), token(std::make_shared<CancelToken>(current_cancel_token_shared())) {}
  QatConfig config;
  std::string dir;
  ProgressReporter* progress = nullptr;
  std::function<void(const StepMetrics&)> on_step;
  std::function<void(const std::string&)> on_log;
  std::shared_ptr<CancelToken> token;  // pause, continue, cancel; installed on run()'s thread
  ScheduleMailbox schedules;           // replacements, taken by the trainer at its next step
  mutable std::mutex trainer_mutex;    // guards `trainer` being set and reset; held only to copy a tile
  QatTrainer* trainer = nullptr;
  std::function<void(const std::string&, double, const std::string&)> on_perplexity;
  std::function<void(const std::vector<TemperatureSchedule>&)> on_schedules;
};

namespace {

// Stage events to the owner's reporter; a cancel also stops a reporter-driven loop.
class SessionProgress : public ProgressReporter {
 public:
  SessionProgress(const CancelToken* token, ProgressReporter* next) : token_(token), next_(next) {}
  bool report(const ProgressEvent& e) override { return !token_->cancelled() && (!next_ || next_->report(e)); }

 private:
  const CancelToken* token_;
  ProgressReporter* next_;
};

}  // namespace

QatSession::QatSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QatSession::~QatSession() = default;

// Model hash: the file itself, or for a Hugging Face folder its config and weight files.
static nlohmann::json model_hashes(const model::LoadedModel& m) {
  namespace fs = std::filesystem;
  nlohmann::json h = nlohmann::json::object();
  if (fs::is_regular_file(m.path)) {
    h[fs::path(m.path).filename().string()] = sha256_file(m.path);
    return h;
  }
  for (const auto& e : fs::directory_iterator(m.path)) {
    const std::string name = e.path().filename().string();
    if (name == "config.json" || e.path().extension() == ".safetensors" || name == "model.safetensors.index.json")
      h[name] = sha256_file(e.path().string());
  }
  return h;
}

std::unique_ptr<QatSession> QatSession::create(const QatConfig& config, const std::string& run_dir, bool overwrite) {
  validate_for_model(config);  // before the run folder exists: a refused configuration leaves nothing
  auto run = RunFolder::create(run_dir, overwrite);
  run.write_manifest({{"kind", "bcjr-qat"}, {"config", config.to_json()}, {"build", build_info_json()}});
  return std::unique_ptr<QatSession>(new QatSession(std::make_unique<Impl>(config, run_dir)));
}

std::unique_ptr<QatSession> QatSession::resume(const std::string& run_dir) {
  auto run = RunFolder::open(run_dir);
  auto manifest = run.read_manifest();
  BCJR_CHECK(manifest.value("kind", std::string()) == "bcjr-qat" && manifest.contains("config"), run_dir,
             "/run.json: not a BCJR-QAT run");
  return std::unique_ptr<QatSession>(
      new QatSession(std::make_unique<Impl>(QatConfig::from_json(manifest.at("config"), run_dir + "/run.json"), run_dir)));
}

void QatSession::set_progress(ProgressReporter* p) { impl_->progress = p; }
void QatSession::set_metrics_callback(std::function<void(const StepMetrics&)> cb) { impl_->on_step = std::move(cb); }
void QatSession::set_log_callback(std::function<void(const std::string&)> cb) { impl_->on_log = std::move(cb); }
const QatConfig& QatSession::config() const { return impl_->config; }
const std::string& QatSession::run_dir() const { return impl_->dir; }

void QatSession::pause() { impl_->token->pause(); }
void QatSession::unpause() { impl_->token->unpause(); }
bool QatSession::paused() const { return impl_->token->paused(); }
void QatSession::cancel() { impl_->token->cancel(); }
CancelToken& QatSession::cancel_token() { return *impl_->token; }

void QatSession::replace_schedule(const TemperatureSchedule& s) { impl_->schedules.post(s); }

void QatSession::replace_phase_schedule(int64_t phase, const TemperatureSchedule& s) {
  BCJR_CHECK(phase >= 0 && phase < impl_->config.phase_count(), "QAT: no phase ", phase,
             " to give a schedule (the run has ", impl_->config.phase_count(), ")");
  impl_->schedules.post(phase, s);
}

void QatSession::set_perplexity_callback(
    std::function<void(const std::string& label, double ppl, const std::string& protocol)> cb) {
  impl_->on_perplexity = std::move(cb);
}

void QatSession::set_schedules_callback(std::function<void(const std::vector<TemperatureSchedule>&)> cb) {
  impl_->on_schedules = std::move(cb);
}

LinearState QatSession::linear_state(int64_t layer, const std::string& linear) const {
  std::lock_guard<std::mutex> lock(impl_->trainer_mutex);
  BCJR_CHECK(impl_->trainer, "layer map: the run has not started training yet");
  return impl_->trainer->linear_state(layer, linear);
}

QatOutcome QatSession::run() {
  RunStatusWriter status(impl_->dir);
  return status.track([this] { return run_steps(); });
}

QatOutcome QatSession::run_steps() {
  Impl& s = *impl_;
  CancelScope cancel_scope(s.token);
  auto run = RunFolder::open(s.dir);
  BCJR_CHECK(s.config.device != "cuda" || torch::cuda::is_available(),
             "QAT: --device cuda, but no CUDA device is available to this build");
  SessionProgress progress(s.token.get(), s.progress);
  auto loaded = model::load_model(s.config.model, &progress);
  // Calibration and evaluation never overlap unless asked to (data_split.h).
  const bool split = s.config.splits_data();
  auto calib = load_token_data(s.config.data, loaded, split ? DataPart::Calibration : DataPart::All, s.config.held_out);
  auto eval = split ? load_token_data(s.config.data, loaded, DataPart::HeldOut, s.config.held_out)
              : s.config.eval_data.empty() || s.config.eval_data == s.config.data
                  ? calib
                  : load_token_data(s.config.eval_data, loaded);
  // The manifest gains what loading found: resolved paths and hashes.
  auto manifest = run.read_manifest();
  manifest["model"] = {{"path", loaded.path}, {"format", loaded.format}, {"sha256", model_hashes(loaded)}};
  manifest["data"] = calib.manifest_json();
  manifest["eval_data"] = eval.manifest_json();
  manifest["seeds"] = {{"seed", s.config.seed}, {"codebook_seed", s.config.quant.codebook_seed}};
  run.write_manifest(manifest);

  QatData data;
  data.calibration = calib.ids;
  data.eval_stream = model::perplexity_token_stream(eval.ids, eval.bos_id);
  data.eval_source = eval.describe();
  if (eval.path == calib.path && eval.part == calib.part)
    data.eval_source += " (the calibration text itself: in-sample)";
  data.eval_sha256 = eval.part_sha256;
  data.bos_policy = model::perplexity_bos_policy(eval.bos_id);
  const bool evaluates = s.config.eval_before_after || s.config.eval_every > 0;
  BCJR_CHECK(!evaluates || int64_t(data.eval_stream.size()) >= s.config.eval_ctx, "perplexity data ", eval.describe(),
             ": ", data.eval_stream.size(), " tokens, fewer than one window of --eval-ctx ", s.config.eval_ctx,
             split ? " (give --eval-data, a larger --held-out or a smaller --eval-ctx)" : "");
  auto llama = model::llama_from_tensors(loaded.config, loaded.tensors, loaded.path);
  loaded.tensors.clear();
  if (s.config.device == "cuda") llama->to(torch::Device(torch::kCUDA, 0), torch::kFloat32);

  QatHooks hooks;
  hooks.progress = &progress;
  hooks.on_step = s.on_step;
  hooks.on_log = s.on_log;
  hooks.on_perplexity = s.on_perplexity;
  hooks.on_schedules = s.on_schedules;
  hooks.schedules = &s.schedules;
  QatTrainer trainer(llama, s.config, std::move(data), run, hooks);
  {
    std::lock_guard<std::mutex> lock(s.trainer_mutex);
    s.trainer = &trainer;
  }
  struct Reset {
    Impl& s;
    ~Reset() {
      std::lock_guard<std::mutex> lock(s.trainer_mutex);
      s.trainer = nullptr;
    }
  } reset{s};
  trainer.run();
  QatOutcome out;
  for (const auto& p : trainer.perplexities()) out.perplexities.emplace_back(p.label, p.ppl);
  out.steps_done = trainer.steps_done();
  out.run_dir = s.dir;
  return out;
}

TilePosteriorView QatSession::tile_posterior(int64_t layer, const std::string& linear, int64_t tile, double T) const {
  QatTileSource source;
  {
    std::lock_guard<std::mutex> lock(impl_->trainer_mutex);
    BCJR_CHECK(impl_->trainer, "posterior: the run has not started training yet");
    source = impl_->trainer->tile_source(layer, linear, tile);
  }
  return qat_tile_posterior(source, T);  // outside every lock
}

}  // namespace bcjr::quant
