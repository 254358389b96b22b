#include "engine/quant/heldout_kl.h"

#include <torch/torch.h>

#include <algorithm>

#include "engine/core/error.h"
#include "engine/core/progress.h"

namespace bcjr::quant {
namespace {

void install(model::LlamaModel& model, const std::map<LinearKey, torch::Tensor>& weights) {
  for (const auto& kv : weights) {
    torch::Tensor w = kv.second.to(model->device());
    model->set_weight_provider(kv.first.first, kv.first.second, [w] { return w; });
  }
}

void uninstall(model::LlamaModel& model, const std::map<LinearKey, torch::Tensor>& weights) {
  for (const auto& kv : weights) model->set_weight_provider(kv.first.first, kv.first.second, nullptr);
}

}  // namespace

std::vector<HeldoutKl> heldout_kls(model::LlamaModel& model,
                                   const std::vector<std::map<LinearKey, torch::Tensor>>& weights,
                                   const std::vector<int64_t>& stream, int64_t ctx, int64_t max_windows,
                                   ProgressReporter* progress) {
  BCJR_CHECK(ctx >= 2, "held-out KL: ctx ", ctx, " must be >= 2");
  int64_t windows = int64_t(stream.size()) / ctx;
  if (max_windows > 0) windows = std::min(windows, max_windows);
  BCJR_CHECK(windows > 0, "held-out KL: the text has ", stream.size(), " tokens, fewer than one window of ", ctx);
  for (const auto& w : weights) uninstall(model, w);  // start from the FP model
  torch::NoGradGuard ng;
  ProgressStage stage(progress, "held-out KL", windows);
  std::vector<double> sums(weights.size(), 0.0);
  try {
    for (int64_t w = 0; w < windows; ++w) {
      auto tokens = torch::from_blob(const_cast<int64_t*>(stream.data()) + w * ctx, {1, ctx}, torch::kLong)
                        .clone()
                        .to(model->device());
      // Predictions of tokens 1 .. ctx-1 of the window: what perplexity scores.
      auto teacher = torch::log_softmax(model->forward(tokens).to(torch::kFloat32).narrow(1, 0, ctx - 1), -1);
      auto p = teacher.exp();
      for (size_t i = 0; i < weights.size(); ++i) {
        install(model, weights[i]);
        auto student = torch::log_softmax(model->forward(tokens).to(torch::kFloat32).narrow(1, 0, ctx - 1), -1);
        uninstall(model, weights[i]);
        sums[i] += (p * (teacher - student)).sum(-1).to(torch::kFloat64).sum().item<double>();
      }
      stage.advance();
    }
  } catch (...) {
    for (const auto& w : weights) uninstall(model, w);
    throw;
  }
  std::vector<HeldoutKl> out;
  for (double sum : sums) {
    HeldoutKl r;
    r.windows = windows;
    r.ctx = ctx;
    r.tokens = windows * (ctx - 1);
    r.kl = sum / double(r.tokens);
    out.push_back(r);
  }
  return out;
}

HeldoutKl heldout_kl(model::LlamaModel& model, const std::map<LinearKey, torch::Tensor>& weights,
                     const std::vector<int64_t>& stream, int64_t ctx, int64_t max_windows, ProgressReporter* progress) {
  return heldout_kls(model, {weights}, stream, ctx, max_windows, progress).front();
}

}  // namespace bcjr::quant
