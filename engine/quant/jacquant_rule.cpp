#include "engine/quant/jacquant_rule.h"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/quant/jacquant_estimators.h"
#include "engine/quant/qat_latent.h"
#include "engine/quant/seed_mix.h"

namespace bcjr::quant {
namespace {

constexpr int kHistogramBins = 30;

std::string state_key(const LinearKey& k) { return "jacquant." + std::to_string(k.first) + "." + k.second; }

uint64_t name_hash(const std::string& s) {  // FNV-1a: fixed on every platform
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

JacQuantRule::JacQuantRule(const TrellisCode& code, const JacQuantOptions& options, uint64_t seed)
    : code_(code), options_(options), seed_(seed) {
  options_.validate();
}

void JacQuantRule::start_phase(const std::vector<LatentLinear*>& linears, model::LlamaModel& teacher) {
  torch::NoGradGuard ng;
  linears_.clear();
  for (LatentLinear* l : linears) {
    Linear lin;
    lin.latent = l;
    // The probe size is the quantiser's own scale at this weight: the tile's RMS error at PTQ (FP
    // weight against its PTQ codeword). The latent starts on the codeword, where its own error is 0.
    auto fp = teacher->linear(l->key.first, l->key.second)->weight.detach().to(l->w.device());
    auto err = (normalised_tiles(l->q->rht(), l->q->scale, fp) - l->init_rot).pow(2).mean(1).sqrt();
    lin.scale = (options_.scale * err).clamp_min(1e-3 * code_.target_rms).to(torch::kFloat32);
    lin.slopes = torch::ones({l->init_rot.size(0)}, torch::TensorOptions().dtype(torch::kFloat32).device(l->w.device()));
    linears_[l->key] = lin;
  }
}

void JacQuantRule::before_step(int64_t global_step, int64_t phase_step) {
  if (phase_step % options_.refresh_every != 0) return;
  for (auto& kv : linears_) refresh(kv.second, kv.first, global_step);
}

void JacQuantRule::refresh(Linear& lin, const LinearKey& key, int64_t global_step) {
  torch::NoGradGuard ng;
  const LatentLinear& l = *lin.latent;
  auto x = normalised_tiles(l.q->rht(), l.q->scale, l.w.detach());
  lin.hard = hard_codeword(x, code_);
  const TrellisCode& code = code_;
  TileQuantizer q = [&code](const torch::Tensor& t) { return hard_codeword(t, code); };
  const uint64_t s = splitmix64(splitmix64(splitmix64(seed_) + uint64_t(global_step)) + uint64_t(key.first) * 131u +
                                name_hash(key.second));
  torch::Tensor est;
  int sources = 0;
  lin.probe = lin.dither = torch::Tensor();
  if (options_.probes > 0) {
    lin.probe = probe_slopes(q, x, lin.scale, options_.probes, s);
    est = lin.probe.clone();
    ++sources;
  }
  if (options_.dithers > 0) {
    lin.dither = dither_slopes(q, x, lin.hard, lin.scale, options_.dithers, splitmix64(s));
    est = est.defined() ? est + lin.dither : lin.dither.clone();
    ++sources;
  }
  lin.slopes = smooth_slopes(lin.slopes, est / double(sources), options_);
}

torch::Tensor JacQuantRule::weight(const LatentLinear& l, double) {
  auto it = linears_.find(l.key);
  BCJR_CHECK(it != linears_.end(), "jacquant: ", linear_label(l.key), " is not a trainable linear of this phase");
  // The codeword of a refresh was computed from this very latent just before this forward.
  torch::Tensor hard;
  std::swap(hard, it->second.hard);
  return hard_quantized_weight(l, code_, it->second.slopes, hard);
}

const JacQuantRule::Linear& JacQuantRule::at(const LinearKey& key) const {
  auto it = linears_.find(key);
  BCJR_CHECK(it != linears_.end(), "jacquant: no slopes for ", linear_label(key));
  return it->second;
}

const torch::Tensor& JacQuantRule::slopes(const LinearKey& key) const { return at(key).slopes; }
const torch::Tensor& JacQuantRule::last_probe(const LinearKey& key) const { return at(key).probe; }
const torch::Tensor& JacQuantRule::last_dither(const LinearKey& key) const { return at(key).dither; }

void JacQuantRule::add_metrics(const LatentLinear& l, LinearStepMetrics& m) const {
  const Linear& lin = at(l.key);
  auto b = lin.slopes.detach().to(torch::kCPU, torch::kFloat64);
  SlopeSummary s;
  s.mean = b.mean().item<double>();
  s.sd = b.numel() > 1 ? b.std().item<double>() : 0.0;
  s.min = b.min().item<double>();
  s.max = b.max().item<double>();
  s.probe = lin.probe.defined() ? lin.probe.to(torch::kFloat64).mean().item<double>() : -1.0;
  s.dither = lin.dither.defined() ? lin.dither.to(torch::kFloat64).mean().item<double>() : -1.0;
  s.lo = options_.lo;
  s.hi = options_.hi;
  auto counts = torch::histc(b.to(torch::kFloat32), kHistogramBins, float(s.lo), float(s.hi));
  for (int64_t i = 0; i < counts.numel(); ++i) s.hist.push_back(int64_t(std::llround(counts[i].item<double>())));
  m.slopes = s;
}

// The slopes, and the last raw estimates (so that the metrics of a resumed run are the same too).
std::map<std::string, torch::Tensor> JacQuantRule::state() const {
  std::map<std::string, torch::Tensor> out;
  for (const auto& kv : linears_) {
    const std::string k = state_key(kv.first);
    out[k + ".slopes"] = kv.second.slopes.detach().to(torch::kCPU);
    if (kv.second.probe.defined()) out[k + ".probe"] = kv.second.probe.to(torch::kCPU);
    if (kv.second.dither.defined()) out[k + ".dither"] = kv.second.dither.to(torch::kCPU);
  }
  return out;
}

void JacQuantRule::load_state(const std::map<std::string, torch::Tensor>& saved) {
  for (auto& kv : linears_) {
    const std::string k = state_key(kv.first);
    auto it = saved.find(k + ".slopes");
    BCJR_CHECK(it != saved.end(), "jacquant: the checkpoint has no slopes for ", linear_label(kv.first));
    BCJR_CHECK(it->second.sizes() == kv.second.slopes.sizes(), "jacquant: saved slopes of ", linear_label(kv.first),
               " have shape ", it->second.sizes(), ", expected ", kv.second.slopes.sizes());
    const auto device = kv.second.slopes.device();
    kv.second.slopes = it->second.to(device, torch::kFloat32);
    auto p = saved.find(k + ".probe"), d = saved.find(k + ".dither");
    kv.second.probe = p != saved.end() ? p->second.to(device) : torch::Tensor();
    kv.second.dither = d != saved.end() ? d->second.to(device) : torch::Tensor();
  }
}

}  // namespace bcjr::quant
