#include "engine/quant/qat_trainer.h"

#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/fault_injection.h"
#include "engine/core/progress.h"
#include "engine/model/perplexity.h"
#include "engine/quant/qat_checkpoint.h"
#include "engine/quant/qat_finite.h"
#include "engine/quant/qat_latent.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/scalar_rule.h"
#include "engine/quant/window_sampler.h"

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

}  // namespace

QatTrainer::QatTrainer(model::LlamaModel model, QatConfig config, QatData data, RunFolder run, QatHooks hooks)
    : model_(std::move(model)),
      config_(std::move(config)),
      data_(std::move(data)),
      run_(std::move(run)),
      hooks_(std::move(hooks)) {
  config_.validate();
  for (int64_t p = 0; p < config_.phase_count(); ++p) schedules_.push_back(config_.phase_schedule(p));
  for (int64_t l : config_.layers)
    BCJR_CHECK(l < model_->num_layers(), "QAT: layer ", l, " does not exist (the model has ", model_->num_layers(),
               " layers)");
  code_ = TrellisCode::make(config_.quant);
  rule_ = make_gradient_rule(config_, code_);
  scalar_ = dynamic_cast<ScalarRule*>(rule_.get());
}

QatTrainer::~QatTrainer() { uninstall(); }

void QatTrainer::log(const std::string& line) {
  run_.log(line);
  if (hooks_.on_log) hooks_.on_log(line);
}

void QatTrainer::poll_cancel() {
  check_cancel();  // the thread's token: engine/core/cancel.h
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

// On the training thread, at the start of a step: the step counter and phase read here are its own.
void QatTrainer::take_posted_schedule() {
  if (!hooks_.schedules) return;
  for (const SchedulePost& post : hooks_.schedules->take()) {
    const int64_t phase = post.phase;
    if (phase >= int64_t(schedules_.size())) continue;  // checked when posted (QatSession); a stale post
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (phase < 0)
        for (auto& p : schedules_) p = post.schedule;
      else
        schedules_[size_t(phase)] = post.schedule;
    }
    if (phase < 0)
      log("schedule replaced before step " + std::to_string(global_step_) + ": " + post.schedule.to_json().dump());
    else
      log("schedule of phase " + std::to_string(phase) + " (layer " + std::to_string(phases()[size_t(phase)][0]) +
          ") replaced before step " + std::to_string(global_step_) + "; it takes effect at the phase's next step: " +
          post.schedule.to_json().dump());
  }
}

TemperatureSchedule QatTrainer::schedule() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return schedules_[size_t(std::min<int64_t>(phase_, int64_t(schedules_.size()) - 1))];
}

std::vector<TemperatureSchedule> QatTrainer::phase_schedules() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return schedules_;
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

void QatTrainer::install_soft_constants(const std::vector<int64_t>& soft_layers, double T) {
  std::map<LinearKey, torch::Tensor> w;
  if (config_.multi_layer == "greedy") w = hardened_weights_;
  torch::NoGradGuard ng;
  for (auto& kv : latents_)
    if (std::find(soft_layers.begin(), soft_layers.end(), kv.first.first) != soft_layers.end()) {
      poll_cancel();
      w[kv.first] = rule_->weight(*kv.second, T).detach();
    }
  install_constants(w);
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
    LatentLinear* l = kv.second.get();
    model_->set_weight_provider(kv.first.first, kv.first.second, [this, l, T] {
      poll_cancel();  // a step runs one BCJR per linear: stop between them when asked
      return rule_->weight(*l, T);
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
    for (auto& kv : q) {
      PtqLinearResult r;
      r.q = kv.second;
      r.reconstruction = dequantize(r.q, code_);
      ptq_[kv.first] = r;
    }
    read_ptq_figures(run_, ptq_);
    log("PTQ loaded from " + path);
    return;
  }
  if (scalar_) {  // the scalar baselines' PTQ: the method applied to the FP weights (cheap, redone on resume)
    uninstall();
    ptq_ = scalar_->ptq(model_, config_.layers);
    for (const auto& kv : ptq_) {
      char line[256];
      std::snprintf(line, sizeof line, "PTQ %s %s: mse %.4e (normalised %.4f)", kv.second.q.method.c_str(),
                    linear_label(kv.first).c_str(), kv.second.mse, kv.second.normalised_mse);
      log(line);
    }
    write_results();
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
  std::map<LinearKey, std::unique_ptr<LatentLinear>> latents;
  std::vector<torch::Tensor> params;
  std::vector<LatentLinear*> phase_linears;
  const std::vector<int64_t> layers = phases()[size_t(phase)];  // a copy: phases() is a temporary
  for (int64_t layer : layers)
    for (const auto& name : model::llama_linear_names()) {
      LinearKey key{layer, name};
      auto l = scalar_ ? scalar_->make_latent(key, ptq_.at(key), model_, model_->device())
                       : LatentLinear::from_ptq(key, ptq_.at(key), model_->device());
      params.push_back(l->w);
      phase_linears.push_back(l.get());
      latents[key] = std::move(l);
    }
  rule_->start_phase(phase_linears, model_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    latents_ = std::move(latents);
  }
  torch::optim::AdamWOptions opt(config_.lr);
  opt.betas(std::make_tuple(config_.beta1, config_.beta2)).weight_decay(config_.weight_decay);
  bool extra = false;
  for (auto& kv : latents_) extra = extra || !rule_->extra_parameters(*kv.second).empty();
  if (config_.lr_units == "weight" && !extra) {
    optimizer_ = std::make_unique<torch::optim::AdamW>(params, opt);
  } else {  // one parameter group per linear, at lr x its frozen PTQ scale; the rule's own without decay
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (auto& kv : latents_) {
      auto o = std::make_unique<torch::optim::AdamWOptions>(opt);
      o->lr(learning_rate(*kv.second));
      groups.emplace_back(std::vector<torch::Tensor>{kv.second->w}, std::move(o));
    }
    for (auto& kv : latents_) {
      auto p = rule_->extra_parameters(*kv.second);
      if (p.empty()) continue;
      auto o = std::make_unique<torch::optim::AdamWOptions>(opt);
      o->lr(learning_rate(*kv.second)).weight_decay(0.0);
      groups.emplace_back(p, std::move(o));
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

double QatTrainer::learning_rate(const LatentLinear& l) const {
  return config_.lr_units == "normalised" ? config_.lr * l.q->scale : config_.lr;
}

// LibTorch's autograd engine catches what a backward function throws and rethrows it to the caller
// of backward() as a c10::Error, so a cancel inside the BCJR VJP or between layers arrives here
// without its type: it is told apart by the token.
void QatTrainer::backward(const torch::Tensor& loss) {
  try {
    loss.backward();
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception&) {
    const CancelToken* token = current_cancel_token();
    if (token && token->cancelled()) throw Cancelled();
    throw;
  }
}

void QatTrainer::train_step() {
  check_cancel();  // the pause gate between steps
  take_posted_schedule();
  const CancelToken* token = current_cancel_token();
  const double paused0 = token ? token->paused_seconds() : 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int64_t> layers = phases()[phase_];
  const double T = schedule().at(phase_step_, config_.steps);
  WindowSampler sampler(int64_t(data_.calibration.size()), config_.window, config_.seed);
  // Window i of every phase is the same, so the teacher's log-probabilities are reused.
  auto tokens = sampler.window(data_.calibration, phase_step_).to(model_->device());
  auto teacher = teacher_log_probs(phase_step_, tokens);

  rule_->before_step(global_step_, phase_step_);
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
  if (fault_injected("nan-loss", global_step_)) kl = kl * std::numeric_limits<double>::quiet_NaN();
  if (!std::isfinite(kl.item<double>())) stop_non_finite("the loss (KL = " + std::to_string(kl.item<double>()) + ")");
  optimizer_->zero_grad();
  backward(kl);
  std::vector<torch::Tensor> params;
  for (auto& kv : latents_) {
    params.push_back(kv.second->w);
    for (auto& p : rule_->extra_parameters(*kv.second)) params.push_back(p);
  }
  if (fault_injected("nan-grad", global_step_)) latents_.rbegin()->second->w.grad().view(-1)[0] = std::nan("");
  const double grad_norm = torch::nn::utils::clip_grad_norm_(params, config_.clip);
  if (!std::isfinite(grad_norm)) stop_non_finite(first_non_finite(latents_, true));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    optimizer_->step();
    if (fault_injected("inf-weight", global_step_)) {
      torch::NoGradGuard ng;
      params.front().view(-1)[0] = std::numeric_limits<double>::infinity();
    }
  }
  // After the update the state is no longer a finished step's: stop without checkpointing it.
  const std::string bad_weight = first_non_finite(latents_, false);
  if (!bad_weight.empty()) stop_non_finite(bad_weight, /*state_is_last_step=*/false);
  uninstall();

  // The step is done: W_latent and AdamW have moved. What follows only measures it.
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
  for (auto& kv : latents_) {  // cheap: drift and the rule's own figures (the scalar rule's flips too)
    LatentLinear& l = *kv.second;
    m.linears.push_back(scalar_ ? scalar_->step_metrics(l, learning_rate(l), phase_step_ + 1, flips)
                                : latent_step_metrics(l, code_, learning_rate(l), phase_step_ + 1));
    rule_->add_metrics(l, m.linears.back());
  }
  bool cancelled = false;
  try {  // a Viterbi of every trellis linear, a perplexity: long, so cancellable; a cancel leaves them out
    size_t i = 0;
    if (flips && !scalar_)
      for (auto& kv : latents_) count_latent_flips(*kv.second, code_, m.linears[i++]);
    if (config_.eval_every > 0 && (phase_step_ + 1) % config_.eval_every == 0 && !data_.eval_stream.empty()) {
      install_soft_constants(layers, T);  // one soft codeword per linear, not one per perplexity window
      m.eval_ppl = perplexity("student at step " + std::to_string(global_step_));
      uninstall();
    }
  } catch (const Cancelled&) {
    uninstall();
    cancelled = true;
  }
  const double paused = token ? token->paused_seconds() - paused0 : 0;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - paused;
  m.peak_rss_mb = peak_rss_mb();
  ++phase_step_;
  ++global_step_;
  run_.append_metrics(to_json(m));
  if (hooks_.on_step) hooks_.on_step(m);
  if ((config_.checkpoint_every > 0 && phase_step_ % config_.checkpoint_every == 0) || phase_step_ == config_.steps)
    write_checkpoint();
  if (cancelled) throw Cancelled();
}

void QatTrainer::finish_phase() {
  // Harden outside the lock (a Viterbi per linear), publish under it, log after it.
  std::map<LinearKey, QuantizedLinear> done;
  std::map<LinearKey, torch::Tensor> done_weights;
  std::vector<std::string> lines;
  for (auto& kv : latents_) {
    if (scalar_) {
      auto h = scalar_->harden(*kv.second);
      done_weights[kv.first] = h.weight;
      lines.push_back(h.line);
      continue;
    }
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
    for (auto& kv : done_weights) hardened_weights_[kv.first] = kv.second;
    latents_.clear();
  }
  for (const auto& line : lines) log(line);
  optimizer_.reset();
  ++phase_;
  phase_step_ = 0;
}

void QatTrainer::stop_non_finite(const std::string& where, bool state_is_last_step) {
  uninstall();
  // Before the optimiser's update W_latent and AdamW still hold the last finished step: keep it.
  if (state_is_last_step && !latents_.empty() && phase_step_ > 0) write_checkpoint();
  const std::string last = run_.latest_checkpoint();
  const std::string message = "BCJR-QAT stopped at step " + std::to_string(global_step_) + ": " +
                              (where.empty() ? std::string("a value") : where) + " is not finite (NaN or Inf); " +
                              (last.empty() ? "no checkpoint had been written" : "the last good checkpoint is " + last);
  log(message);
  fail(message);
}

// ---- checkpoints ---------------------------------------------------------------------------

void QatTrainer::write_checkpoint() {
  QatCheckpointState s;
  s.phase = phase_;
  s.phase_step = phase_step_;
  s.global_step = global_step_;
  s.schedule = schedule();
  s.phase_schedules = phase_schedules();
  s.config = config_.to_json();
  for (auto& kv : latents_) {
    s.latents[kv.first] = kv.second->w;
    s.paths[kv.first] = kv.second->path;
  }
  s.hardened = hardened_;
  s.method_state = rule_->state();
  write_qat_checkpoint(run_.checkpoint_path(global_step_), s, config_.quant, optimizer_.get());
}

bool QatTrainer::load_checkpoint() {
  const std::string path = run_.latest_checkpoint();
  if (path.empty()) return false;
  QatCheckpointReader c(path);
  hardened_ = c.hardened();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hardened_weights_.clear();
    for (const auto& kv : hardened_) hardened_weights_[kv.first] = dequantize(kv.second, code_);
  }
  phase_ = c.phase();
  phase_step_ = c.phase_step();
  global_step_ = c.global_step();
  {
    // Schedules edited during the run live in the checkpoint; one written before per-phase
    // schedules holds the one schedule every phase followed.
    std::lock_guard<std::mutex> lock(mutex_);
    if (c.phase_schedules().size() == schedules_.size()) schedules_ = c.phase_schedules();
    else
      for (auto& p : schedules_) p = c.schedule();
  }
  if (phase_step_ > 0) {
    start_phase(phase_);
    torch::NoGradGuard ng;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& kv : latents_) {
      kv.second->w.copy_(c.latent(kv.first, kv.second->w.sizes()));
      kv.second->path = c.path_length(kv.first);
      kv.second->prev_rot = scalar_ ? scalar_->normalised(*kv.second, kv.second->w.detach())
                                    : normalised_tiles(kv.second->q->rht(), kv.second->q->scale, kv.second->w.detach());
    }
  }
  rule_->load_state(c.method_state());
  if (scalar_) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& kv : scalar_->hardened_weights()) hardened_weights_[kv.first] = kv.second;
  }
  if (phase_step_ > 0) c.load_optimizer(*optimizer_);
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
  const std::string protocol = data_.eval_source + ", ctx " + std::to_string(f.ctx) + ", " +
                               std::to_string(f.windows) + " windows, " + std::to_string(f.tokens) + " tokens, " +
                               data_.bos_policy + ", " + f.dtype;
  char figure[64];
  std::snprintf(figure, sizeof figure, "%.4f", r.ppl);
  log("perplexity " + label + ": " + figure + " (" + protocol + ")");
  if ((label == "FP" || label == "PTQ" || label == "QAT") && hooks_.on_perplexity)
    hooks_.on_perplexity(label, r.ppl, protocol);
  if (label == "FP" || label == "PTQ" || label == "QAT") {
    ppl_.erase(std::remove_if(ppl_.begin(), ppl_.end(), [&](const PerplexityFigure& p) { return p.label == label; }),
               ppl_.end());
    ppl_.push_back(f);
  }
  return r.ppl;
}

QatResultsSource QatTrainer::results_source() const {
  return {config_, data_, model_, ppl_, ptq_, hardened_, hardened_weights_, global_step_, scalar_};
}

void QatTrainer::write_results() { write_qat_results(run_, results_source()); }

// ---- the run -------------------------------------------------------------------------------

void QatTrainer::run() {
  prepare_ptq();
  const bool resumed = load_checkpoint();
  ready_ = true;
  if (hooks_.on_schedules) hooks_.on_schedules(phase_schedules());
  if (resumed) ppl_ = read_qat_perplexities(run_);
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
      if (!scalar_) hardened_[kv.first] = kv.second.q;
      hardened_weights_[kv.first] = kv.second.reconstruction;
    }
    if (scalar_) scalar_->adopt_ptq();
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
  write_qat_snapshots(run_, results_source());
  log("run finished: " + std::to_string(global_step_) + " steps");
}

// ---- the posterior view --------------------------------------------------------------------

QatTileSource QatTrainer::tile_source(int64_t layer, const std::string& linear, int64_t tile) const {
  BCJR_CHECK(ready_, "posterior: the run has not finished its PTQ initialisation yet");
  BCJR_CHECK(!scalar_, "posterior: method ", qat_method_name(config_.method),
             " quantises each weight on its own; only the trellis methods have tile posteriors");
  LinearKey key{layer, linear};
  auto it = ptq_.find(key);
  BCJR_CHECK(it != ptq_.end(), "posterior: ", linear_label(key), " is not a quantised linear of this run");
  const QuantizedLinear& q = it->second.q;
  BCJR_CHECK(tile >= 0 && tile < q.tiles(), "posterior: tile ", tile, " of ", linear_label(key), " (it has ",
             q.tiles(), " tiles)");
  QatTileSource s;
  s.key = key;
  s.tile = tile;
  s.q = q;
  s.code = code_;
  std::lock_guard<std::mutex> lock(mutex_);
  auto l = latents_.find(key);
  if (l != latents_.end()) s.w = l->second->w.detach().clone();
  else if (hardened_weights_.count(key)) s.w = hardened_weights_.at(key);
  else s.w = it->second.reconstruction;
  return s;
}

LinearState QatTrainer::linear_state(int64_t layer, const std::string& linear) const {
  BCJR_CHECK(ready_, "layer map: the run has not finished its PTQ initialisation yet");
  LinearKey key{layer, linear};
  auto it = ptq_.find(key);
  BCJR_CHECK(it != ptq_.end(), "layer map: ", linear_label(key), " is not a quantised linear of this run");
  LinearState s;
  s.q = it->second.q;
  s.code = code_;
  s.w_fp = model_.ptr()->linear(layer, linear)->weight.detach();  // the teacher's: never written in a run
  std::lock_guard<std::mutex> lock(mutex_);
  auto l = latents_.find(key);
  if (l != latents_.end()) {
    s.w = l->second->w.detach().clone();
    s.what = "W_latent, training";
  } else if (hardened_weights_.count(key)) {
    s.w = hardened_weights_.at(key);
    s.what = "hardened";
  } else {
    s.w = it->second.reconstruction;
    s.what = "PTQ";
  }
  return s;
}

}  // namespace bcjr::quant
