#include "engine/quant/run_linear_state.h"

#include <torch/torch.h>

#include <filesystem>

#include "engine/core/error.h"
#include "engine/model/model_loader.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_checkpoint.h"
#include "engine/quant/qat_tile_posterior.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "engine/trellis/tile_posterior.h"

namespace bcjr::quant {

std::string linear_weight_name(int64_t layer, const std::string& linear) {
  const bool attention = linear == "q_proj" || linear == "k_proj" || linear == "v_proj" || linear == "o_proj";
  return "model.layers." + std::to_string(layer) + (attention ? ".self_attn." : ".mlp.") + linear + ".weight";
}

LinearState linear_state_from_run(const std::string& run_dir, int64_t layer, const std::string& linear) {
  namespace fs = std::filesystem;
  const RunFolder run = RunFolder::open(run_dir);
  const nlohmann::json manifest = run.read_manifest();
  BCJR_CHECK(manifest.contains("config"), run_dir, "/run.json: no \"config\"");
  const QatConfig config = QatConfig::from_json(manifest.at("config"), run_dir + "/run.json");
  const LinearKey key{layer, linear};
  const std::string label = "layer " + std::to_string(layer) + " " + linear;

  const std::string ptq_path = run.file("checkpoints/ptq.ckpt");
  BCJR_CHECK(fs::exists(ptq_path), run_dir, ": no PTQ yet (checkpoints/ptq.ckpt is missing)");
  QuantParams params;
  auto ptq = load_quantized_linears(ptq_path, &params);
  auto it = ptq.find(key);
  BCJR_CHECK(it != ptq.end(), run_dir, ": ", label, " is not a quantised linear of this run");
  LinearState s;
  s.q = it->second;
  s.code = TrellisCode::make(params);

  const std::string final_path = run.snapshot_path("quantized.ckpt");
  const std::string step_path = run.latest_checkpoint();
  if (fs::exists(final_path)) {
    auto done = load_quantized_linears(final_path, nullptr);
    BCJR_CHECK(done.count(key), final_path, ": no ", label);
    s.w = dequantize(done.at(key), s.code);
    s.what = "hardened, final";
  } else if (!step_path.empty()) {
    const QatCheckpointReader c(step_path);
    const std::string step = fs::path(step_path).stem().string();
    if (c.has_latent(key)) {
      s.w = c.latent(key, {s.q.rows, s.q.cols}).to(torch::kFloat32);
      s.what = "W_latent at " + step;
    } else if (c.hardened().count(key)) {
      s.w = dequantize(c.hardened().at(key), s.code);
      s.what = "hardened at " + step;
    }
  }
  if (!s.w.defined()) {
    s.w = dequantize(s.q, s.code);
    s.what = "PTQ";
  }
  BCJR_CHECK(s.w.dim() == 2 && s.w.size(0) == s.q.rows && s.w.size(1) == s.q.cols, run_dir, ": the weight of ", label,
             " has shape ", s.w.sizes(), ", expected [", s.q.rows, ", ", s.q.cols, "]");

  auto model = model::load_model(config.model);
  auto t = model.tensors.find(linear_weight_name(layer, linear));
  BCJR_CHECK(t != model.tensors.end(), config.model, ": no ", linear_weight_name(layer, linear));
  s.w_fp = t->second.to(torch::kFloat32).contiguous();
  BCJR_CHECK(s.w_fp.sizes() == s.w.sizes(), config.model, ": ", linear_weight_name(layer, linear), " has shape ",
             s.w_fp.sizes(), ", the run's is [", s.q.rows, ", ", s.q.cols, "]");
  return s;
}

TilePosteriorView linear_tile_posterior(const LinearState& s, int64_t tile, double T) {
  BCJR_CHECK(tile >= 0 && tile < s.q.tiles(), "posterior: tile ", tile, " of layer ", s.q.layer, " ", s.q.name,
             " (it has ", s.q.tiles(), " tiles)");
  QatTileSource source;
  source.key = {s.q.layer, s.q.name};
  source.tile = tile;
  source.q = s.q;
  source.w = s.w;
  source.code = s.code;
  auto v = qat_tile_posterior(source, T);
  v.label += " (" + s.what + ")";
  return v;
}

}  // namespace bcjr::quant
