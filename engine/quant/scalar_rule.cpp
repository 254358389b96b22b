#include "engine/quant/scalar_rule.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "engine/core/error.h"
#include "engine/quant/qat_latent.h"
#include "engine/quant/scalar_quantizer.h"

namespace bcjr::quant {
namespace {

const std::string kHardenedPrefix = "scalar.hardened.";
std::string scale_key(const LinearKey& k) { return "scalar.scales." + std::to_string(k.first) + "." + k.second; }

torch::Tensor teacher_weight(model::LlamaModel& teacher, const LinearKey& key) {
  return teacher->linear(key.first, key.second)->weight.detach().to(torch::kCPU, torch::kFloat32);
}

// The code boundaries in the normalised domain: rtn's code floor(W / step) + 2^(b-1) changes where
// W / step crosses an integer of -2^(b-1) + 1 .. 2^(b-1) - 1; BBQ's where z crosses a normal quantile.
torch::Tensor code_boundaries(QatMethod method, int bits) {
  auto k = torch::arange(1, 1 << bits, torch::kFloat64);
  if (method == QatMethod::Rtn) return k - double(1 << (bits - 1));
  return std::sqrt(2.0) * torch::erfinv(2.0 * k / double(1 << bits) - 1.0);  // BBQ: z at Phi^-1(k / 2^b)
}

}  // namespace

ScalarRule::ScalarRule(QatMethod method, int bits) : method_(method), bits_(bits) {
  BCJR_CHECK(!is_trellis_method(method), "scalar rule: ", qat_method_name(method), " is a trellis method");
  BCJR_CHECK(bits >= 1 && bits <= 4, qat_method_name(method), ": ", bits, " bits per weight (1..4; --k)");
}

std::map<LinearKey, PtqLinearResult> ScalarRule::ptq(model::LlamaModel& teacher, const std::vector<int64_t>& layers) {
  std::map<LinearKey, PtqLinearResult> out;
  ptq_.clear();
  for (int64_t layer : layers)
    for (const auto& name : model::llama_linear_names()) {
      const auto t0 = std::chrono::steady_clock::now();
      LinearKey key{layer, name};
      auto w = teacher_weight(teacher, key);
      ScalarLinear s = ScalarLinear::quantize(w, layer, name, method_, bits_);
      PtqLinearResult r;
      r.q.layer = layer;
      r.q.name = name;
      r.q.rows = s.rows;
      r.q.cols = s.cols;
      r.q.method = s.describe();
      // The unit of the normalised domain, for --lr-units normalised and the drift budget.
      r.q.scale = method_ == QatMethod::Rtn ? s.scales.to(torch::kFloat64).mean().item<double>()
                                            : w.pow(2).mean(1).sqrt().to(torch::kFloat64).mean().item<double>();
      r.reconstruction = s.dequantize();
      r.mse = (r.reconstruction - w).to(torch::kFloat64).pow(2).mean().item<double>();
      r.normalised_mse = r.mse / (r.q.scale * r.q.scale);
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ptq_[key] = s;
      out[key] = r;
    }
  return out;
}

const ScalarLinear& ScalarRule::ptq_of(const LinearKey& key) const {
  auto it = ptq_.find(key);
  BCJR_CHECK(it != ptq_.end(), qat_method_name(method_), ": no PTQ of ", linear_label(key));
  return it->second;
}

torch::Tensor ScalarRule::normalised(const LatentLinear& l, const torch::Tensor& w) const {
  const ScalarLinear& s = ptq_of(l.key);
  if (method_ == QatMethod::Rtn) return w / s.scales.to(w.device()).unsqueeze(1);
  auto x = bbq_transform(w, s.block);
  return x / x.pow(2).mean(1).sqrt().clamp_min(1e-12).unsqueeze(1);
}

std::unique_ptr<LatentLinear> ScalarRule::make_latent(const LinearKey& key, const PtqLinearResult& ptq,
                                                      model::LlamaModel& teacher, const torch::Device& device) const {
  auto l = std::make_unique<LatentLinear>();
  l->key = key;
  l->q = &ptq.q;
  l->w = teacher_weight(teacher, key).to(device).clone().set_requires_grad(true);
  torch::NoGradGuard ng;
  l->init_rot = normalised(*l, l->w.detach());
  l->prev_rot = l->init_rot;
  return l;
}

void ScalarRule::start_phase(const std::vector<LatentLinear*>& linears, model::LlamaModel&) {
  torch::NoGradGuard ng;
  scales_.clear();
  for (LatentLinear* l : linears) {
    const ScalarLinear& s = ptq_of(l->key);
    if (method_ == QatMethod::Bbq)
      scales_[l->key] = s.scales.to(l->w.device()).clone().set_requires_grad(true);
    auto t = l->init_rot.to(torch::kFloat64);
    auto b = code_boundaries(method_, bits_).to(t.device());
    radius_[l->key] = (t.unsqueeze(-1) - b).abs().amin(-1).mean().item<double>();
  }
}

torch::Tensor ScalarRule::weight(const LatentLinear& l, double) {
  const ScalarLinear& s = ptq_of(l.key);
  if (method_ == QatMethod::Rtn) return rtn_weight(l.w, s.scales.to(l.w.device()), bits_);
  return bbq_weight(l.w, scales_.at(l.key), s.block, bits_);
}

std::vector<torch::Tensor> ScalarRule::extra_parameters(const LatentLinear& l) const {
  auto it = scales_.find(l.key);
  return it == scales_.end() ? std::vector<torch::Tensor>{} : std::vector<torch::Tensor>{it->second};
}

LinearStepMetrics ScalarRule::step_metrics(LatentLinear& l, double lr, int64_t steps, bool flips) const {
  torch::NoGradGuard ng;
  LinearStepMetrics m;
  m.layer = l.key.first;
  m.linear = l.key.second;
  add_drift_metrics(l, normalised(l, l.w.detach()), m);
  m.radius = radius_.at(l.key);
  m.predicted = double(steps) * lr / l.q->scale;
  const ScalarLinear& p = ptq_of(l.key);
  m.tiles = p.rows;
  m.trellis_steps = p.rows * p.cols;
  if (flips) {
    auto codes = p.requantize(l.w.detach().to(torch::kCPU), p.scales).codes;
    auto f = count_flips(codes, p.codes);
    m.flips = f.steps;
    m.tiles_touched = f.tiles;
  }
  return m;
}

ScalarRule::Hardened ScalarRule::harden(const LatentLinear& l) {
  const ScalarLinear& p = ptq_of(l.key);
  auto it = scales_.find(l.key);
  ScalarLinear h = p.requantize(l.w.detach().to(torch::kCPU), it != scales_.end() ? it->second : p.scales);
  hardened_[l.key] = h;
  if (it != scales_.end()) scales_.erase(it);  // the phase is over for this linear
  Hardened out;
  out.weight = h.dequantize();
  out.changes = count_flips(h.codes, p.codes);
  out.line = "hardened " + linear_label(l.key) + ": " + std::to_string(out.changes.steps) + " of " +
             std::to_string(p.codes.numel()) + " codes differ from PTQ, in " + std::to_string(out.changes.tiles) +
             " of " + std::to_string(p.rows) + " rows (" + h.describe() + ")";
  return out;
}

void ScalarRule::adopt_ptq() { hardened_ = ptq_; }

std::map<LinearKey, torch::Tensor> ScalarRule::hardened_weights() const {
  std::map<LinearKey, torch::Tensor> out;
  for (const auto& kv : hardened_) out[kv.first] = kv.second.dequantize();
  return out;
}

std::map<std::string, torch::Tensor> ScalarRule::state() const {
  std::map<std::string, torch::Tensor> out;
  for (const auto& kv : scales_) out[scale_key(kv.first)] = kv.second.detach().to(torch::kCPU);
  scalar_linears_to_tensors(hardened_, kHardenedPrefix, out);
  return out;
}

void ScalarRule::load_state(const std::map<std::string, torch::Tensor>& saved) {
  torch::NoGradGuard ng;
  for (auto& kv : scales_) {
    auto it = saved.find(scale_key(kv.first));
    BCJR_CHECK(it != saved.end() && it->second.sizes() == kv.second.sizes(), "bbq: the checkpoint has no scales of ",
               linear_label(kv.first), " of shape ", kv.second.sizes());
    kv.second.copy_(it->second);  // in place: the optimiser holds this tensor
  }
  hardened_ = scalar_linears_from_tensors(saved, kHardenedPrefix, "checkpoint");
}

nlohmann::json ScalarRule::results_json(model::LlamaModel& teacher) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& kv : hardened_) {
    auto w = teacher_weight(teacher, kv.first);
    const double mse = (kv.second.dequantize() - w).to(torch::kFloat64).pow(2).mean().item<double>();
    auto f = count_flips(kv.second.codes, ptq_of(kv.first).codes);
    out.push_back({{"layer", kv.first.first}, {"linear", kv.first.second}, {"mse", mse}, {"flips", f.steps},
                   {"tiles_touched", f.tiles}, {"method", kv.second.describe()}});
  }
  return out;
}

void ScalarRule::save_snapshot(const std::string& path) const { save_scalar_linears(path, hardened_); }

}  // namespace bcjr::quant
