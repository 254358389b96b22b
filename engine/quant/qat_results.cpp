#include "engine/quant/qat_results.h"

#include <torch/torch.h>

#include <filesystem>

#include "engine/core/atomic_file.h"
#include "engine/model/perplexity.h"
#include "engine/quant/layer_snapshot_writer.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/scalar_rule.h"

namespace bcjr::quant {
namespace {

nlohmann::json read_results(const RunFolder& run) {
  const std::string path = run.file("results.json");
  return std::filesystem::exists(path) ? nlohmann::json::parse(read_file(path)) : nlohmann::json::object();
}

}  // namespace

void write_qat_results(const RunFolder& run, const QatResultsSource& s) {
  nlohmann::json j;
  model::LlamaModel teacher = s.teacher;  // a handle: its accessors are not const
  j["protocol"] = {{"data", s.data.eval_source}, {"sha256", s.data.eval_sha256}, {"bos_policy", s.data.bos_policy},
                   {"ctx", s.config.eval_ctx}, {"max_windows", s.config.eval_windows},
                   {"dtype", model::perplexity_dtype_name(teacher->dtype())}};
  j["perplexity"] = nlohmann::json::array();
  for (const auto& p : s.perplexities)
    j["perplexity"].push_back({{"label", p.label}, {"ppl", p.ppl}, {"mean_nll", p.mean_nll}, {"windows", p.windows},
                               {"tokens", p.tokens}, {"ctx", p.ctx}, {"dtype", p.dtype}});
  j["ptq"] = nlohmann::json::array();
  for (const auto& kv : s.ptq)
    j["ptq"].push_back({{"layer", kv.first.first}, {"linear", kv.first.second}, {"mse", kv.second.mse},
                        {"normalised_mse", kv.second.normalised_mse}, {"proxy_error", kv.second.proxy_error},
                        {"method", kv.second.q.method}, {"seconds", kv.second.seconds}});
  j["method"] = qat_method_name(s.config.method);
  j["qat"] = nlohmann::json::array();
  if (s.scalar && s.config.steps > 0) j["qat"] = s.scalar->results_json(teacher);
  for (const auto& kv : s.hardened) {
    if (s.config.steps == 0) break;  // PTQ only: nothing was trained
    auto f = count_flips(kv.second.states, s.ptq.at(kv.first).q.states);
    auto w = teacher->linear(kv.first.first, kv.first.second)->weight.detach().to(torch::kCPU);
    const double mse = (s.hardened_weights.at(kv.first) - w).pow(2).mean().item<double>();
    j["qat"].push_back({{"layer", kv.first.first}, {"linear", kv.first.second}, {"mse", mse}, {"flips", f.steps},
                        {"tiles_touched", f.tiles}, {"method", kv.second.method}});
  }
  j["steps_done"] = s.steps_done;
  write_file_atomic(run.file("results.json"), j.dump(2) + "\n");
}

void write_qat_snapshots(const RunFolder& run, const QatResultsSource& s) {
  if (s.scalar) s.scalar->save_snapshot(run.snapshot_path("scalar_quantized.ckpt"));
  else save_quantized_linears(run.snapshot_path("quantized.ckpt"), s.hardened, s.config.quant);
  for (int64_t l : s.config.layers) {
    std::map<std::string, torch::Tensor> qat, ptq;
    for (const auto& name : model::llama_linear_names()) {
      qat[name] = s.hardened_weights.at({l, name});
      ptq[name] = s.ptq.at({l, name}).reconstruction;
    }
    write_layer_snapshot_pt(run.snapshot_path("layer_" + std::to_string(l) + ".pt"), qat);
    write_layer_snapshot_pt(run.snapshot_path("ptq_layer_" + std::to_string(l) + ".pt"), ptq);
  }
}

std::vector<PerplexityFigure> read_qat_perplexities(const RunFolder& run) {
  std::vector<PerplexityFigure> out;
  for (const auto& p : read_results(run).value("perplexity", nlohmann::json::array()))
    out.push_back({p.at("label").get<std::string>(), p.at("ppl").get<double>(), p.value("mean_nll", 0.0),
                   p.value("windows", int64_t(0)), p.value("tokens", int64_t(0)), p.value("ctx", int64_t(0)),
                   p.value("dtype", std::string())});
  return out;
}

void read_ptq_figures(const RunFolder& run, std::map<LinearKey, PtqLinearResult>& ptq) {
  const nlohmann::json results = read_results(run);
  for (auto& kv : ptq)
    for (const auto& e : results.value("ptq", nlohmann::json::array()))
      if (e.at("layer").get<int64_t>() == kv.first.first && e.at("linear").get<std::string>() == kv.first.second) {
        kv.second.mse = e.value("mse", 0.0);
        kv.second.normalised_mse = e.value("normalised_mse", 0.0);
        kv.second.proxy_error = e.value("proxy_error", -1.0);
        kv.second.seconds = e.value("seconds", 0.0);
      }
}

}  // namespace bcjr::quant
