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

namespace fs = std::filesystem;

namespace bcjr::quant {

ExportSummary export_run(const std::string& run_dir, const std::string& format, const std::string& out,
                         ProgressReporter* progress) {
  BCJR_CHECK(format == "pt" || format == "packed" || format == "hf", "export: --format '", format,
             "' (expected pt, packed or hf)");
  BCJR_CHECK(!out.empty(), "export: --out is required");
  auto run = RunFolder::open(run_dir);
  auto manifest = run.read_manifest();
  const std::string state = run.snapshot_path("quantized.ckpt");
  BCJR_CHECK(fs::exists(state), "export: ", run_dir, " has no snapshots/quantized.ckpt (the run has not finished; "
                                "continue it with bcjr train --resume)");
  QuantParams params;
  auto q = load_quantized_linears(state, &params);
  auto code = TrellisCode::make(params);
  auto config = QatConfig::from_json(manifest.at("config"), run_dir + "/run.json");
  ExportSummary s;
  s.format = format;
  s.path = out;
  // Decoding the paths is most of the work of pt and hf: one progress unit (and a chance to
  // cancel) per linear.
  auto dequantize_all = [&] {
    ProgressStage stage(progress, "export " + format + ": dequantise", int64_t(q.size()));
    std::map<LinearKey, torch::Tensor> w;
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
    const std::string method = config.steps > 0 ? "bcjr-qat" : "ptq-" + config.ptq_mode;
    auto bits = export_packed(out, q, code, method, manifest);
    char line[256];
    std::snprintf(line, sizeof line,
                  "wrote %s: %zu linears, %lld weights; %.3f bits/weight nominal, %.4f effective (bitstreams, signs, "
                  "scales, LUT; embeddings, head and other layers not counted)\n",
                  out.c_str(), q.size(), (long long)bits.weights, bits.nominal, bits.effective);
    s.details = line;
  } else {
    auto loaded = model::load_model(config.model, progress);
    export_hf_folder(out, loaded, dequantize_all(), manifest);
    s.details = "wrote " + out + " (config, tokenizer files, model.safetensors with " + std::to_string(q.size()) +
                " dequantised linears, README.md)\n";
    if (loaded.format == "gguf") s.details += "tokenizer.json and tokenizer_config.json written from the GGUF's tokenizer\n";
  }
  return s;
}

}  // namespace bcjr::quant
