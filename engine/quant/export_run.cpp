#include "engine/quant/export_run.h"

#include <torch/torch.h>

#include <filesystem>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/model/llama.h"
#include "engine/model/model_loader.h"
#include "engine/quant/export_hf.h"
#include "engine/quant/export_packed.h"
#include "engine/quant/layer_snapshot_writer.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/scalar_linear.h"

namespace fs = std::filesystem;

namespace bcjr::quant {

ExportSummary export_run(const std::string& run_dir, const std::string& format, const std::string& out,
                         ProgressReporter* progress) {
  BCJR_CHECK(format == "pt" || format == "packed" || format == "hf", "export: --format '", format,
             "' (expected pt, packed or hf)");
  BCJR_CHECK(!out.empty(), "export: --out is required");
  auto run = RunFolder::open(run_dir);
  auto manifest = run.read_manifest();
  auto config = QatConfig::from_json(manifest.at("config"), run_dir + "/run.json");
  const bool scalar = !is_trellis_method(config.method);
  const std::string state = run.snapshot_path(scalar ? "scalar_quantized.ckpt" : "quantized.ckpt");
  BCJR_CHECK(fs::exists(state), "export: ", run_dir, " has no snapshots/", fs::path(state).filename().string(),
             " (the run has not finished; continue it with bcjr train --resume)");
  // The packed format is the trellis's: bitstreams that only a trellis decoder reads. A scalar
  // baseline's codes have no such format here; its dequantised weights export as pt and hf.
  BCJR_CHECK(!(scalar && format == "packed"), "export: ", run_dir, " was trained with method ",
             qat_method_name(config.method), ", a scalar quantiser; the packed format holds trellis bitstreams "
             "only. Export it as --format pt or --format hf (dequantised weights)");
  std::map<LinearKey, QuantizedLinear> q;
  std::map<LinearKey, ScalarLinear> scalar_q;
  TrellisCode code;
  if (scalar) {
    scalar_q = load_scalar_linears(state);
  } else {
    QuantParams params;
    q = load_quantized_linears(state, &params);
    code = TrellisCode::make(params);
  }
  ExportSummary s;
  s.format = format;
  s.path = out;
  // Decoding the paths is most of the work of pt and hf: one progress unit (and a chance to
  // cancel) per linear.
  auto dequantize_all = [&] {
    ProgressStage stage(progress, "export " + format + ": dequantise", int64_t(scalar ? scalar_q.size() : q.size()));
    std::map<LinearKey, torch::Tensor> w;
    for (const auto& kv : scalar_q) {
      w[kv.first] = kv.second.dequantize();
      stage.advance();
    }
    for (const auto& kv : q) {
      w[kv.first] = dequantize(kv.second, code);
      stage.advance();
    }
    return w;
  };
  if (format == "pt") {
    std::map<int64_t, std::map<std::string, torch::Tensor>> layers;
    for (auto& kv : dequantize_all()) layers[kv.first.first][kv.first.second] = kv.second;
    const bool single_file = layers.size() == 1 && fs::path(out).extension() == ".pt";
    if (!single_file) fs::create_directories(out);
    for (const auto& kv : layers) {
      const std::string p = single_file ? out : out + "/layer_" + std::to_string(kv.first) + ".pt";
      write_layer_snapshot_pt(p, kv.second);
      s.details += "wrote " + p + " (layer " + std::to_string(kv.first) + ", 7 dequantised fp32 linears)\n";
    }
  } else if (format == "packed") {
    const std::string method =
        config.steps > 0 ? std::string(qat_method_name(config.method)) + "-qat" : "ptq-" + config.ptq_mode;
    auto bits = export_packed(out, q, code, method, manifest);
    char line[256];
    std::snprintf(line, sizeof line,
                  "wrote %s: %zu linears, %lld weights; %.3f bits/weight nominal, %.4f effective (bitstreams, signs, "
                  "scales, LUT; embeddings, head and other layers not counted)\n",
                  out.c_str(), q.size(), (long long)bits.weights, bits.nominal, bits.effective);
    s.details = line;
  } else {
    auto loaded = model::load_model(config.model, progress);
    const auto weights = dequantize_all();
    export_hf_folder(out, loaded, weights, manifest);
    s.details = "wrote " + out + " (config, tokenizer files, model.safetensors with " + std::to_string(weights.size()) +
                " dequantised linears, README.md)\n";
    if (loaded.format == "gguf") s.details += "tokenizer.json and tokenizer_config.json written from the GGUF's tokenizer\n";
  }
  return s;
}

}  // namespace bcjr::quant
