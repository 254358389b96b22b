#include "engine/quant/qat_trainer.h"

#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/model/perplexity.h"
#include "engine/quant/layer_snapshot_writer.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/soft_quantized_weight.h"
#include "engine/quant/window_sampler.h"
#include "engine/trellis/tile_posterior.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {
namespace {

// Teacher log-probabilities kept in memory across steps and phases (the same windows recur in
// independent and greedy runs); beyond this they are recomputed.
constexpr int64_t kTeacherCacheBytes = int64_t(2) << 30;

double peak_rss_mb() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

std::string latent_key(const LinearKey& k) { return "latent." + std::to_string(k.first) + "." + k.second; }

}  // namespace

struct QatTrainer::Latent {
  LinearKey key;
  const QuantizedLinear* q = nullptr;  // PTQ signs, scale and paths
  torch::Tensor w;                     // W_latent, fp32 [rows, cols], requires grad
  torch::Tensor init_rot;              // normalised tiles of the PTQ reconstruction
  torch::Tensor prev_rot;              // the previous step's, for the path length
  double path = 0;
};

QatTrainer::QatTrainer(model::LlamaModel model, QatConfig config, QatData data, RunFolder run, QatHooks hooks)
    : model_(std::move(model)),
      config_(std::move(config)),
      data_(std::move(data)),
      run_(std::move(run)),
      hooks_(std::move(hooks)),
      schedule_(config_.schedule) {
  config_.validate();
  for (int64_t l : config_.layers)
    BCJR_CHECK(l < model_->num_layers(), "QAT: layer ", l, " does not exist (the model has ", model_->num_layers(),
               " layers)");
  code_ = TrellisCode::make(config_.quant);
}

QatTrainer::~QatTrainer() { uninstall(); }

void QatTrainer::log(const std::string& line) {
  run_.log(line);
  if (hooks_.on_log) hooks_.on_log(line);
}

void QatTrainer::check_cancel() {
  if (hooks_.cancel && hooks_.cancel->load()) throw Cancelled();
}

void QatTrainer::poll_cancel() {
  check_cancel();
  if (!hooks_.progress || config_.steps == 0) return;
  // Re-reports the step stage (no new line on a terminal) so that a reporter watching Ctrl-C or
  // a GUI flag can stop a long step between two linears.
  ProgressEvent e;
  e.stage = "BCJR-QAT steps";
  e.done = global_step_;
  e.total = config_.total_steps();
  if (!hooks_.progress->report(e)) throw Cancelled();
}

std::vector<std::vector<int64_t>> QatTrainer::phases() const {
  if (config_.multi_layer == "joint") return {config_.layers};
  std::vector<std::vector<int64_t>> p;
  for (int64_t l : config_.layers) p.push_back({l});
  return p;
}

void QatTrainer::replace_schedule(const TemperatureSchedule& s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    schedule_ = s;
  }
  log("schedule replaced before step " + std::to_string(global_step_) + ": " + s.to_json().dump());
}

TemperatureSchedule QatTrainer::schedule() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return schedule_;
}

// ---- weights into the model ------------------------------------------------------------------

void QatTrainer::uninstall() {
  if (!model_) return;
  for (int64_t l : config_.layers)
    for (const auto& name : model::llama_linear_names()) model_->set_weight_provider(l, name, nullptr);
}

void QatTrainer::install_constants(const std::map<LinearKey, torch::Tensor>& weights) {
  uninstall();
  for (const auto& kv : weights) {
    torch::Tensor w = kv.second.to(model_->device());
    model_->set_weight_provider(kv.first.first, kv.first.second, [w] { return w; });
  }
}

void QatTrainer::install(const std::vector<int64_t>& soft_layers, double T) {
  uninstall();
  // Greedy: the layers finished so far stay installed hardened; independent: they stay FP.
  if (config_.multi_layer == "greedy")
    for (const auto& kv : hardened_weights_) {
      torch::Tensor w = kv.second.to(model_->device());
      model_->set_weight_provider(kv.first.first, kv.first.second, [w] { return w; });
    }
  for (auto& kv : latents_) {
    if (std::find(soft_layers.begin(), soft_layers.end(), kv.first.first) == soft_layers.end()) continue;
    Latent* l = kv.second.get();
    const TrellisCode* code = &code_;
    model_->set_weight_provider(kv.first.first, kv.first.second, [this, l, code, T] {
      poll_cancel();  // a step runs one BCJR per linear: stop between them when asked
      return soft_quantized_weight(l->w, *l->q, *code, T);
    });
  }
}

// ---- PTQ -----------------------------------------------------------------------------------

void QatTrainer::prepare_ptq() {
  const std::string path = run_.file("checkpoints/ptq.ckpt");
  if (std::filesystem::exists(path)) {
    QuantParams saved;
    auto q = load_quantized_linears(path, &saved);
    BCJR_CHECK(saved.to_json() == config_.quant.to_json(), path, ": PTQ was made with other quantisation parameters");
    nlohmann::json results = std::filesystem::exists(run_.file("results.json"))
                                 ? nlohmann::json::parse(read_file(run_.file("results.json")))
                                 : nlohmann::json::object();
    for (auto& kv : q) {
      PtqLinearResult r;
      r.q = kv.second;
      r.reconstruction = dequantize(r.q, code_);
      for (const auto& e : results.value("ptq", nlohmann::json::array()))
        if (e.at("layer").get<int64_t>() == kv.first.first && e.at("linear").get<std::string>() == kv.first.second) {
          r.mse = e.value("mse", 0.0);
          r.normalised_mse = e.value("normalised_mse", 0.0);
          r.proxy_error = e.value("proxy_error", -1.0);
          r.seconds = e.value("seconds", 0.0);
        }
      ptq_[kv.first] = r;
    }
    log("PTQ loaded from " + path);
    return;
  }
  PtqModelOptions o;
  o.layers = config_.layers;
  o.mode = parse_ptq_mode(config_.ptq_mode);
  o.seed = config_.seed;
  o.calib_windows = config_.calib_windows;
  o.window = config_.window;
  o.damping = config_.damping;
  uninstall();
  ptq_ = ptq_model(model_, data_.calibration, o, code_, hooks_.progress);
  std::map<LinearKey, QuantizedLinear> q;
  for (const auto& kv : ptq_) {
    q[kv.first] = kv.second.q;
    char line[256];
    std::snprintf(line, sizeof line, "PTQ %s %s: mse %.4e (normalised %.4f), proxy error %.4e, %s, %.1fs",
                  ptq_mode_name(o.mode), linear_label(kv.first).c_str(), kv.second.mse, kv.second.normalised_mse,
                  kv.second.proxy_error, kv.second.q.method.c_str(), kv.second.seconds);
    log(line);
  }
  save_quantized_linears(path, q, config_.quant);
  write_results();
}

// ---- training ------------------------------------------------------------------------------

void QatTrainer::start_phase(int64_t phase) {
  std::map<LinearKey, std::unique_ptr<Latent>> latents;
  std::vector<torch::Tensor> params;
  const std::vector<int64_t> layers = phases()[size_t(phase)];  // a copy: phases() is a temporary
  for (int64_t layer : layers)
    for (const auto& name : model::llama_linear_names()) {
      LinearKey key{layer, name};
      auto l = std::make_unique<Latent>();
      l->key = key;
      l->q = &ptq_.at(key).q;
      l->w = ptq_.at(key).reconstruction.detach().to(model_->device()).clone().set_requires_grad(true);
      torch::NoGradGuard ng;
      l->init_rot = normalised_tiles(l->q->rht(), l->q->scale, l->w.detach());
      l->prev_rot = l->init_rot;
      params.push_back(l->w);
      latents[key] = std::move(l);
    }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    latents_ = std::move(latents);
  }
  torch::optim::AdamWOptions opt(config_.lr);
  opt.betas(std::make_tuple(config_.beta1, config_.beta2)).weight_decay(config_.weight_decay);
  if (config_.lr_units == "weight") {
    optimizer_ = std::make_unique<torch::optim::AdamW>(params, opt);
  } else {  // one parameter group per linear, at lr x its frozen PTQ scale
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (auto& kv : latents_) {
      auto o = std::make_unique<torch::optim::AdamWOptions>(opt);
      o->lr(learning_rate(*kv.second));
      groups.emplace_back(std::vector<torch::Tensor>{kv.second->w}, std::move(o));
    }
    optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), opt);
  }
}

torch::Tensor QatTrainer::teacher_log_probs(int64_t window_index, const torch::Tensor& tokens) {
  auto it = teacher_cache_.find(window_index);
  if (it != teacher_cache_.end()) return it->second;
  uninstall();
  torch::NoGradGuard ng;
  auto lp = torch::log_softmax(model_->forward(tokens).to(torch::kFloat32), -1);
  const int64_t bytes = lp.numel() * int64_t(sizeof(float));
  if (teacher_cache_bytes_ + bytes <= kTeacherCacheBytes) {
    teacher_cache_[window_index] = lp;
    teacher_cache_bytes_ += bytes;
  }
  return lp;
}

double QatTrainer::learning_rate(const Latent& l) const {
  return config_.lr_units == "normalised" ? config_.lr * l.q->scale : config_.lr;
}

LinearStepMetrics QatTrainer::linear_metrics(Latent& l, bool flips) {
  torch::NoGradGuard ng;
  LinearStepMetrics m;
  m.layer = l.key.first;
  m.linear = l.key.second;
  auto rot = normalised_tiles(l.q->rht(), l.q->scale, l.w.detach());
  auto drift = (rot - l.init_rot).to(torch::kFloat64);
  m.drift_rms = std::sqrt(drift.pow(2).mean().item<double>());
  m.drift_max = drift.abs().max().item<double>();
  l.path += std::sqrt((rot - l.prev_rot).to(torch::kFloat64).pow(2).mean().item<double>());
  l.prev_rot = rot;
  m.drift_path = l.path;
  m.sigma_w = std::sqrt(rot.to(torch::kFloat64).pow(2).mean().item<double>());
  m.radius = voronoi_radius(m.sigma_w, code_.spec.k, code_.spec.V);
  m.predicted = double(phase_step_ + 1) * learning_rate(l) / l.q->scale;
  m.tiles = l.q->tiles();
  m.trellis_steps = l.q->states.numel();
  if (flips) {
    auto states = harden(*l.q, code_, l.w.detach());
    auto f = count_flips(states, l.q->states);
    m.flips = f.steps;
    m.tiles_touched = f.tiles;
  }
  return m;
}

void QatTrainer::train_step() {
  if (hooks_.wait_if_paused) hooks_.wait_if_paused();
  check_cancel();
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int64_t> layers = phases()[phase_];
  const double T = schedule().at(phase_step_, config_.steps);
  WindowSampler sampler(int64_t(data_.calibration.size()), config_.window, config_.seed);
  // Window i of every phase is the same, so the teacher's log-probabilities are reused.
  auto tokens = sampler.window(data_.calibration, phase_step_).to(model_->device());
  auto teacher = teacher_log_probs(phase_step_, tokens);

  install(layers, T);
  const int64_t first = *std::min_element(layers.begin(), layers.end());
  torch::Tensor h;
  {
    torch::NoGradGuard ng;
    h = model_->forward_layers(model_->embed(tokens), 0, first);
  }
  auto logits = model_->head(model_->forward_layers(h, first, model_->num_layers()));
  auto log_student = torch::log_softmax(logits.to(torch::kFloat32), -1);
  auto kl = (teacher.exp() * (teacher - log_student)).sum(-1).mean();
  optimizer_->zero_grad();
  kl.backward();
  std::vector<torch::Tensor> params;
  for (auto& kv : latents_) params.push_back(kv.second->w);
  const double grad_norm = torch::nn::utils::clip_grad_norm_(params, config_.clip);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    optimizer_->step();
  }
  uninstall();

  StepMetrics m;
  m.step = global_step_;
  m.phase = phase_;
  m.phase_step = phase_step_;
  m.T = T;
  m.kl = kl.item<double>();
  m.lr = config_.lr;
  m.grad_norm = grad_norm;
  m.window_start = sampler.start(phase_step_);
  const bool last = phase_step_ + 1 == config_.steps;
  const bool flips = config_.flips_every > 0 && ((phase_step_ + 1) % config_.flips_every == 0 || last);
  for (auto& kv : latents_) m.linears.push_back(linear_metrics(*kv.second, flips));
  if (config_.eval_every > 0 && (phase_step_ + 1) % config_.eval_every == 0 && !data_.eval_stream.empty()) {
    install(layers, T);
    m.eval_ppl = perplexity("student at step " + std::to_string(global_step_));
    uninstall();
  }
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.peak_rss_mb = peak_rss_mb();
  ++phase_step_;
  ++global_step_;
  run_.append_metrics(to_json(m));
  if (hooks_.on_step) hooks_.on_step(m);
  if ((config_.checkpoint_every > 0 && phase_step_ % config_.checkpoint_every == 0) || phase_step_ == config_.steps)
    write_checkpoint();
}

void QatTrainer::finish_phase() {
  // Harden outside the lock (a Viterbi per linear), publish under it, log after it.
  std::map<LinearKey, QuantizedLinear> done;
  std::vector<std::string> lines;
  for (auto& kv : latents_) {
    QuantizedLinear q = *kv.second->q;
    q.states = harden(q, code_, kv.second->w.detach(), &q.method);
    auto f = count_flips(q.states, kv.second->q->states);
    lines.push_back("hardened " + linear_label(kv.first) + ": " + std::to_string(f.steps) + " of " +
                    std::to_string(q.states.numel()) + " trellis steps differ from PTQ, in " + std::to_string(f.tiles) +
                    " of " + std::to_string(q.tiles()) + " tiles (" + q.method + ")");
    done[kv.first] = q;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& kv : done) {
      hardened_weights_[kv.first] = dequantize(kv.second, code_);
      hardened_[kv.first] = kv.second;
    }
    latents_.clear();
  }
  for (const auto& line : lines) log(line);
  optimizer_.reset();
  ++phase_;
  phase_step_ = 0;
}

// ---- checkpoints ---------------------------------------------------------------------------

void QatTrainer::write_checkpoint() {
  torch::serialize::OutputArchive a;
  nlohmann::json meta = {{"phase", phase_},
                         {"phase_step", phase_step_},
                         {"global_step", global_step_},
                         {"schedule", schedule().to_json()},
                         {"config", config_.to_json()}};
  nlohmann::json paths = nlohmann::json::object();
  for (auto& kv : latents_) {
    a.write(latent_key(kv.first), kv.second->w.detach().to(torch::kCPU));  // readable without the GPU
    paths[latent_key(kv.first)] = kv.second->path;
  }
  meta["paths"] = paths;
  archive_write_string(a, "meta", meta.dump());
  torch::serialize::OutputArchive hardened;
  write_quantized_linears(hardened, hardened_, config_.quant);
  a.write("hardened", hardened);
  if (optimizer_) {
    torch::serialize::OutputArchive opt;
    optimizer_->save(opt);
    a.write("optimizer", opt);
  }
  write_file_atomic(run_.checkpoint_path(global_step_), archive_bytes(a));
}

bool QatTrainer::load_checkpoint() {
  const std::string path = run_.latest_checkpoint();
  if (path.empty()) return false;
  torch::serialize::InputArchive a;
  archive_load_file(a, path);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(archive_read_string(a, "meta", path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": checkpoint metadata is not JSON: ", e.what());
  }
  torch::serialize::InputArchive hardened;
  a.read("hardened", hardened);
  hardened_ = read_quantized_linears(hardened, nullptr, path);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hardened_weights_.clear();
    for (const auto& kv : hardened_) hardened_weights_[kv.first] = dequantize(kv.second, code_);
  }
  phase_ = meta.at("phase").get<int64_t>();
  phase_step_ = meta.at("phase_step").get<int64_t>();
  global_step_ = meta.at("global_step").get<int64_t>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    schedule_ = TemperatureSchedule::from_json(meta.at("schedule"), path);
  }
  if (phase_step_ > 0) {
    start_phase(phase_);
    torch::NoGradGuard ng;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& kv : latents_) {
      torch::Tensor w;
      BCJR_CHECK(a.try_read(latent_key(kv.first), w), path, ": no W_latent for ", linear_label(kv.first));
      BCJR_CHECK(w.sizes() == kv.second->w.sizes(), path, ": W_latent of ", linear_label(kv.first), " has shape ",
                 w.sizes());
      kv.second->w.copy_(w);
      kv.second->path = meta.at("paths").value(latent_key(kv.first), 0.0);
      kv.second->prev_rot = normalised_tiles(kv.second->q->rht(), kv.second->q->scale, kv.second->w.detach());
    }
    torch::serialize::InputArchive opt;
    a.read("optimizer", opt);
    optimizer_->load(opt);
  }
  // Metrics of steps after the checkpoint belong to the interrupted attempt: drop them.
  const int64_t done = global_step_;
  run_.filter_metrics([done](const nlohmann::json& j) { return j.value("step", int64_t(-1)) < done; });
  log("resumed from " + path + " at step " + std::to_string(global_step_));
  return true;
}

// ---- evaluation and results ------------------------------------------------------------------

double QatTrainer::perplexity(const std::string& label) {
  model::PerplexityOptions o;
  o.ctx = config_.eval_ctx;
  o.max_windows = config_.eval_windows;
  o.progress = hooks_.progress;
  torch::NoGradGuard ng;
  auto r = model::perplexity_of_tokens(model_, data_.eval_stream, o);
  PerplexityFigure f;
  f.label = label;
  f.ppl = r.ppl;
  f.mean_nll = r.mean_nll;
  f.windows = r.protocol.windows;
  f.tokens = r.protocol.tokens_scored;
  f.ctx = r.protocol.ctx;
  f.dtype = r.protocol.dtype;
  char line[512];
  std::snprintf(line, sizeof line, "perplexity %s: %.4f (%s, ctx %lld, %lld windows, %lld tokens, %s, %s)",
                label.c_str(), r.ppl, data_.eval_source.c_str(), (long long)f.ctx, (long long)f.windows,
                (long long)f.tokens, data_.bos_policy.c_str(), f.dtype.c_str());
  log(line);
  if (label == "FP" || label == "PTQ" || label == "QAT") {
    ppl_.erase(std::remove_if(ppl_.begin(), ppl_.end(), [&](const PerplexityFigure& p) { return p.label == label; }),
               ppl_.end());
    ppl_.push_back(f);
  }
  return r.ppl;
}

void QatTrainer::write_results() {
  nlohmann::json j;
  j["protocol"] = {{"data", data_.eval_source}, {"sha256", data_.eval_sha256}, {"bos_policy", data_.bos_policy},
                   {"ctx", config_.eval_ctx}, {"max_windows", config_.eval_windows},
                   {"dtype", model::perplexity_dtype_name(model_->dtype())}};
  j["perplexity"] = nlohmann::json::array();
  for (const auto& p : ppl_)
    j["perplexity"].push_back({{"label", p.label}, {"ppl", p.ppl}, {"mean_nll", p.mean_nll}, {"windows", p.windows},
                               {"tokens", p.tokens}, {"ctx", p.ctx}, {"dtype", p.dtype}});
  j["ptq"] = nlohmann::json::array();
  for (const auto& kv : ptq_)
    j["ptq"].push_back({{"layer", kv.first.first}, {"linear", kv.first.second}, {"mse", kv.second.mse},
                        {"normalised_mse", kv.second.normalised_mse}, {"proxy_error", kv.second.proxy_error},
                        {"method", kv.second.q.method}, {"seconds", kv.second.seconds}});
  j["qat"] = nlohmann::json::array();
  for (const auto& kv : hardened_) {
    if (config_.steps == 0) break;  // PTQ only: nothing was trained
    auto f = count_flips(kv.second.states, ptq_.at(kv.first).q.states);
    auto w = model_->linear(kv.first.first, kv.first.second)->weight.detach().to(torch::kCPU);
    const double mse = (hardened_weights_.at(kv.first) - w).pow(2).mean().item<double>();
    j["qat"].push_back({{"layer", kv.first.first}, {"linear", kv.first.second}, {"mse", mse}, {"flips", f.steps},
                        {"tiles_touched", f.tiles}, {"method", kv.second.method}});
  }
  j["steps_done"] = global_step_;
  write_file_atomic(run_.file("results.json"), j.dump(2) + "\n");
}

void QatTrainer::write_snapshots() {
  std::map<LinearKey, QuantizedLinear> all = hardened_;
  save_quantized_linears(run_.snapshot_path("quantized.ckpt"), all, config_.quant);
  for (int64_t l : config_.layers) {
    std::map<std::string, torch::Tensor> qat, ptq;
    for (const auto& name : model::llama_linear_names()) {
      qat[name] = hardened_weights_.at({l, name});
      ptq[name] = ptq_.at({l, name}).reconstruction;
    }
    write_layer_snapshot_pt(run_.snapshot_path("layer_" + std::to_string(l) + ".pt"), qat);
    write_layer_snapshot_pt(run_.snapshot_path("ptq_layer_" + std::to_string(l) + ".pt"), ptq);
  }
}

// ---- the run -------------------------------------------------------------------------------

void QatTrainer::run() {
  prepare_ptq();
  const bool resumed = load_checkpoint();
  ready_ = true;
  if (resumed && std::filesystem::exists(run_.file("results.json"))) {
    auto j = nlohmann::json::parse(read_file(run_.file("results.json")));
    for (const auto& p : j.value("perplexity", nlohmann::json::array()))
      ppl_.push_back({p.at("label").get<std::string>(), p.at("ppl").get<double>(), p.value("mean_nll", 0.0),
                      p.value("windows", int64_t(0)), p.value("tokens", int64_t(0)), p.value("ctx", int64_t(0)),
                      p.value("dtype", std::string())});
  }
  const bool eval = config_.eval_before_after && !data_.eval_stream.empty();
  auto has = [&](const std::string& label) {
    return std::any_of(ppl_.begin(), ppl_.end(), [&](const PerplexityFigure& p) { return p.label == label; });
  };
  if (eval && !has("FP")) {
    uninstall();
    perplexity("FP");
    write_results();
  }
  if (eval && !has("PTQ")) {
    std::map<LinearKey, torch::Tensor> w;
    for (const auto& kv : ptq_) w[kv.first] = kv.second.reconstruction;
    install_constants(w);
    perplexity("PTQ");
    uninstall();
    write_results();
  }
  const auto ph = phases();
  if (config_.steps == 0) {  // PTQ only: the PTQ paths are the result
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& kv : ptq_) {
      hardened_[kv.first] = kv.second.q;
      hardened_weights_[kv.first] = kv.second.reconstruction;
    }
    phase_ = int64_t(ph.size());
  }
  try {
    // PTQ-only runs have no steps to show.
    ProgressStage stage(config_.steps > 0 ? hooks_.progress : nullptr, "BCJR-QAT steps", config_.total_steps());
    stage.set_done(global_step_);
    for (; phase_ < int64_t(ph.size());) {
      if (phase_step_ == 0 && latents_.empty()) start_phase(phase_);
      while (phase_step_ < config_.steps) {
        train_step();
        stage.set_done(global_step_);
      }
      finish_phase();
      write_checkpoint();
    }
  } catch (const Cancelled&) {
    uninstall();
    // Keep every finished step: the next --resume starts right after it.
    if (!latents_.empty() && phase_step_ > 0) write_checkpoint();
    log("cancelled after step " + std::to_string(global_step_));
    throw;
  } catch (...) {
    uninstall();
    throw;
  }
  if (eval && config_.steps > 0) {
    install_constants(hardened_weights_);
    perplexity("QAT");
    uninstall();
  }
  write_results();
  write_snapshots();
  log("run finished: " + std::to_string(global_step_) + " steps");
}

// ---- the posterior view --------------------------------------------------------------------

trellis::TilePosterior QatTrainer::tile_posterior(int64_t layer, const std::string& linear, int64_t tile, double T,
                                                  TileQuery* query) const {
  BCJR_CHECK(ready_, "posterior: the run has not finished its PTQ initialisation yet");
  LinearKey key{layer, linear};
  auto it = ptq_.find(key);
  BCJR_CHECK(it != ptq_.end(), "posterior: ", linear_label(key), " is not a quantised linear of this run");
  const QuantizedLinear& q = it->second.q;
  BCJR_CHECK(tile >= 0 && tile < q.tiles(), "posterior: tile ", tile, " of ", linear_label(key), " (it has ",
             q.tiles(), " tiles)");
  torch::Tensor w;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto l = latents_.find(key);
    if (l != latents_.end()) w = l->second->w.detach().clone();
    else if (hardened_weights_.count(key)) w = hardened_weights_.at(key);
    else w = it->second.reconstruction;
  }
  torch::NoGradGuard ng;
  auto row = normalised_tiles(q.rht(), q.scale, w)[tile].to(torch::kCPU).contiguous();
  std::vector<float> target(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
  trellis::BcjrOptions opt;
  opt.T = T;
  opt.boundary = code_.boundary;
  auto post = trellis::tile_posterior(target, code_.spec, *code_.codebook, opt);
  if (query) {
    query->target = target;
    query->label = linear_label(key) + ", tile " + std::to_string(tile);
    auto v = trellis::viterbi(row.unsqueeze(0), code_.spec, *code_.codebook, code_.boundary);
    auto s = v.states[0].contiguous();
    query->viterbi_symbols.resize(size_t(s.numel()));
    const int32_t mask = (1 << code_.spec.kv()) - 1;
    for (int64_t t = 0; t < s.numel(); ++t) query->viterbi_symbols[size_t(t)] = s.data_ptr<int32_t>()[t] & mask;
  }
  return post;
}

}  // namespace bcjr::quant
