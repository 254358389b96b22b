#include "engine/quant/qat_session.h"

#include <torch/torch.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/progress.h"
#include "engine/model/model_loader.h"
#include "engine/model/perplexity.h"
#include "engine/quant/qat_config_check.h"
#include "engine/quant/qat_trainer.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/token_data.h"
#include "engine/trellis/tile_posterior.h"

namespace bcjr::quant {

struct QatSession::Impl {
  QatConfig config;
  std::string dir;
  ProgressReporter* progress = nullptr;
  std::function<void(const StepMetrics&)> on_step;
  std::function<void(const std::string&)> on_log;
  std::atomic<bool> cancel{false};
  std::atomic<bool> pause{false};
  std::mutex pause_mutex;
  std::condition_variable pause_cv;
  mutable std::mutex trainer_mutex;  // guards `trainer` being set and reset
  QatTrainer* trainer = nullptr;
  std::unique_ptr<TemperatureSchedule> pending_schedule;  // replaced before training began
};

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
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->dir = run_dir;
  return std::unique_ptr<QatSession>(new QatSession(std::move(impl)));
}

std::unique_ptr<QatSession> QatSession::resume(const std::string& run_dir) {
  auto run = RunFolder::open(run_dir);
  auto manifest = run.read_manifest();
  BCJR_CHECK(manifest.value("kind", std::string()) == "bcjr-qat" && manifest.contains("config"), run_dir,
             "/run.json: not a BCJR-QAT run");
  auto impl = std::make_unique<Impl>();
  impl->config = QatConfig::from_json(manifest.at("config"), run_dir + "/run.json");
  impl->dir = run_dir;
  return std::unique_ptr<QatSession>(new QatSession(std::move(impl)));
}

void QatSession::set_progress(ProgressReporter* p) { impl_->progress = p; }
void QatSession::set_metrics_callback(std::function<void(const StepMetrics&)> cb) { impl_->on_step = std::move(cb); }
void QatSession::set_log_callback(std::function<void(const std::string&)> cb) { impl_->on_log = std::move(cb); }
const QatConfig& QatSession::config() const { return impl_->config; }
const std::string& QatSession::run_dir() const { return impl_->dir; }

void QatSession::pause() { impl_->pause = true; }
void QatSession::unpause() {
  {
    std::lock_guard<std::mutex> lock(impl_->pause_mutex);
    impl_->pause = false;
  }
  impl_->pause_cv.notify_all();
}
bool QatSession::paused() const { return impl_->pause; }
void QatSession::cancel() {
  impl_->cancel = true;
  impl_->pause_cv.notify_all();
}

void QatSession::replace_schedule(const TemperatureSchedule& s) {
  std::lock_guard<std::mutex> lock(impl_->trainer_mutex);
  if (impl_->trainer) impl_->trainer->replace_schedule(s);
  else impl_->pending_schedule = std::make_unique<TemperatureSchedule>(s);
}

QatOutcome QatSession::run() {
  Impl& s = *impl_;
  auto run = RunFolder::open(s.dir);
  BCJR_CHECK(s.config.device != "cuda" || torch::cuda::is_available(),
             "QAT: --device cuda, but no CUDA device is available to this build");
  CancelFlagReporter progress(&s.cancel, s.progress);
  auto loaded = model::load_model(s.config.model, &progress);
  auto calib = load_token_data(s.config.data, loaded);
  auto eval = s.config.eval_data.empty() || s.config.eval_data == s.config.data
                  ? calib
                  : load_token_data(s.config.eval_data, loaded);
  // The manifest gains what loading found: resolved paths and hashes.
  auto manifest = run.read_manifest();
  manifest["model"] = {{"path", loaded.path}, {"format", loaded.format}, {"sha256", model_hashes(loaded)}};
  manifest["data"] = {{"path", calib.path}, {"sha256", calib.sha256}, {"kind", calib.kind}, {"tokens", calib.ids.size()}};
  manifest["eval_data"] = {{"path", eval.path}, {"sha256", eval.sha256}, {"kind", eval.kind}, {"tokens", eval.ids.size()}};
  manifest["seeds"] = {{"seed", s.config.seed}, {"codebook_seed", s.config.quant.codebook_seed}};
  run.write_manifest(manifest);

  QatData data;
  data.calibration = calib.ids;
  data.eval_stream = model::perplexity_token_stream(eval.ids, eval.bos_id);
  data.eval_source = eval.path;
  data.eval_sha256 = eval.sha256;
  data.bos_policy = model::perplexity_bos_policy(eval.bos_id);
  auto llama = model::llama_from_tensors(loaded.config, loaded.tensors, loaded.path);
  loaded.tensors.clear();
  if (s.config.device == "cuda") llama->to(torch::Device(torch::kCUDA, 0), torch::kFloat32);

  QatHooks hooks;
  hooks.progress = &progress;
  hooks.on_step = s.on_step;
  hooks.on_log = s.on_log;
  hooks.cancel = &s.cancel;
  hooks.wait_if_paused = [&s] {
    std::unique_lock<std::mutex> lock(s.pause_mutex);
    s.pause_cv.wait(lock, [&s] { return !s.pause.load() || s.cancel.load(); });
  };
  QatTrainer trainer(llama, s.config, std::move(data), run, hooks);
  {
    std::lock_guard<std::mutex> lock(s.trainer_mutex);
    s.trainer = &trainer;
    if (s.pending_schedule) trainer.replace_schedule(*s.pending_schedule);
    s.pending_schedule.reset();
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
  std::lock_guard<std::mutex> lock(impl_->trainer_mutex);
  BCJR_CHECK(impl_->trainer, "posterior: the run has not started training yet");
  QatTileQuery q;
  auto p = impl_->trainer->tile_posterior(layer, linear, tile, T, &q);
  TilePosteriorView v;
  v.label = q.label;
  v.T = T;
  v.steps = p.steps;
  v.symbols = p.symbols;
  v.V = p.V;
  v.marginals = p.symbol_marginals;
  v.mean = p.mean;
  v.variance = p.variance;
  v.target = q.target;
  v.viterbi_symbols.assign(q.viterbi_symbols.begin(), q.viterbi_symbols.end());
  v.log_z = p.log_z;
  v.method = p.method;
  return v;
}

}  // namespace bcjr::quant
