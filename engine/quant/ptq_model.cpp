#include "engine/quant/ptq_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/quant/proxy_hessian.h"
#include "engine/quant/window_sampler.h"

namespace bcjr::quant {

std::string linear_label(const LinearKey& k) { return "layer " + std::to_string(k.first) + " " + k.second; }

std::map<LinearKey, torch::Tensor> collect_proxy_hessians(model::LlamaModel& model, const std::vector<int64_t>& layers,
                                                          const std::vector<int64_t>& tokens, int64_t windows,
                                                          int64_t window, uint64_t seed, ProgressReporter* progress) {
  BCJR_CHECK(!layers.empty(), "proxy Hessians: no layers");
  std::map<LinearKey, std::shared_ptr<ProxyHessian>> acc;
  for (int64_t l : layers)
    for (const auto& name : model::llama_linear_names()) {
      auto lin = model->linear(l, name);
      auto h = std::make_shared<ProxyHessian>(lin->in_features());
      acc[{l, name}] = h;
      model->set_input_observer(l, name, [h](const torch::Tensor& x) { h->add(x); });
    }
  const int64_t last = *std::max_element(layers.begin(), layers.end()) + 1;
  WindowSampler sampler(int64_t(tokens.size()), window, seed ^ 0x48455353ull);  // "HESS": not the training windows
  try {
    ProgressStage stage(progress, "proxy Hessians", windows);
    torch::NoGradGuard no_grad;
    for (int64_t i = 0; i < windows; ++i) {
      check_cancel();
      auto x = model->embed(sampler.window(tokens, i).to(model->device()));
      model->forward_layers(x, 0, last);
      stage.advance();
    }
  } catch (...) {
    for (const auto& kv : acc) model->set_input_observer(kv.first.first, kv.first.second, nullptr);
    throw;
  }
  std::map<LinearKey, torch::Tensor> out;
  for (const auto& kv : acc) {
    model->set_input_observer(kv.first.first, kv.first.second, nullptr);
    out[kv.first] = kv.second->mean();
  }
  return out;
}

std::map<LinearKey, PtqLinearResult> ptq_model(model::LlamaModel& model, const std::vector<int64_t>& calib_tokens,
                                               const PtqModelOptions& o, const TrellisCode& code,
                                               ProgressReporter* progress) {
  for (int64_t l : o.layers)
    BCJR_CHECK(l >= 0 && l < model->num_layers(), "PTQ: layer ", l, " does not exist (the model has ",
               model->num_layers(), " layers)");
  std::map<LinearKey, torch::Tensor> hessians;
  if (o.calib_windows > 0)
    hessians = collect_proxy_hessians(model, o.layers, calib_tokens, o.calib_windows, o.window, o.seed, progress);
  BCJR_CHECK(o.mode == PtqMode::Rht || !hessians.empty(), "PTQ ldlq needs calibration windows (--calib-windows > 0)");
  std::map<LinearKey, PtqLinearResult> out;
  for (int64_t l : o.layers)
    for (const auto& name : model::llama_linear_names()) {
      check_cancel();
      LinearKey key{l, name};
      auto w = model->linear(l, name)->weight.detach();
      auto it = hessians.find(key);
      out[key] = ptq_linear(w, it == hessians.end() ? torch::Tensor() : it->second, l, name, o.mode, code, o.seed,
                            o.damping, progress);
    }
  return out;
}

}  // namespace bcjr::quant
