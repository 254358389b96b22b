#include "engine/quant/qat_config.h"

#include <cmath>

#include "engine/core/error.h"

namespace bcjr::quant {

void QatConfig::validate() const {
  BCJR_CHECK(!layers.empty(), "QAT: no target layers (--layers)");
  for (size_t i = 0; i < layers.size(); ++i) {
    BCJR_CHECK(layers[i] >= 0, "QAT: layer ", layers[i], " is negative");
    for (size_t j = 0; j < i; ++j) BCJR_CHECK(layers[i] != layers[j], "QAT: layer ", layers[i], " is listed twice");
  }
  BCJR_CHECK(multi_layer == "independent" || multi_layer == "greedy" || multi_layer == "joint", "QAT: --multi-layer '",
             multi_layer, "' (expected independent, greedy or joint)");
  BCJR_CHECK(ptq_mode == "rht" || ptq_mode == "ldlq", "QAT: --ptq '", ptq_mode, "' (expected rht or ldlq)");
  quant.validate();
  jacquant.validate();
  BCJR_CHECK(is_trellis_method(method) || ptq_mode == "rht", "QAT: --ptq ", ptq_mode,
             " is a trellis PTQ; method ", qat_method_name(method), " starts from its own");
  BCJR_CHECK(steps >= 0, "QAT: --steps ", steps, " must be >= 0 (0: PTQ only)");
  BCJR_CHECK(std::isfinite(lr) && lr >= 0, "QAT: --lr ", lr);
  BCJR_CHECK(lr_units == "weight" || lr_units == "normalised", "QAT: --lr-units '", lr_units,
             "' (expected weight or normalised)");
  BCJR_CHECK(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "QAT: AdamW betas (", beta1, ", ", beta2, ")");
  BCJR_CHECK(weight_decay >= 0, "QAT: --weight-decay ", weight_decay);
  BCJR_CHECK(clip > 0, "QAT: --clip ", clip, " must be > 0");
  BCJR_CHECK(window >= 2, "QAT: --window ", window);
  BCJR_CHECK(calib_windows >= 0 && (ptq_mode == "rht" || calib_windows > 0), "QAT: --calib-windows ", calib_windows,
             (ptq_mode == "ldlq" ? " (ldlq needs at least one)" : ""));
  BCJR_CHECK(checkpoint_every >= 0 && flips_every >= 0 && eval_every >= 0, "QAT: negative --*-every");
  BCJR_CHECK(eval_ctx >= 2 && eval_windows >= 0, "QAT: --eval-ctx ", eval_ctx, " / --eval-windows ", eval_windows);
  BCJR_CHECK(device == "cpu" || device == "cuda", "QAT: --device '", device, "' (expected cpu or cuda)");
}

int64_t QatConfig::total_steps() const {
  return multi_layer == "joint" ? steps : steps * int64_t(layers.size());
}

nlohmann::json QatConfig::to_json() const {
  nlohmann::json j = {{"model", model},
          {"data", data},
          {"eval_data", eval_data},
          {"layers", layers},
          {"multi_layer", multi_layer},
          {"ptq_mode", ptq_mode},
          {"quant", quant.to_json()},
          {"schedule", schedule.to_json()},
          {"steps", steps},
          {"lr", lr},
          {"lr_units", lr_units},
          {"betas", {beta1, beta2}},
          {"weight_decay", weight_decay},
          {"clip", clip},
          {"window", window},
          {"seed", seed},
          {"calib_windows", calib_windows},
          {"damping", damping},
          {"checkpoint_every", checkpoint_every},
          {"flips_every", flips_every},
          {"eval_every", eval_every},
          {"eval_ctx", eval_ctx},
          {"eval_windows", eval_windows},
          {"eval_before_after", eval_before_after},
          {"device", device},
          {"method", qat_method_name(method)}};
  if (method == QatMethod::JacQuant) j["jacquant"] = jacquant.to_json();
  return j;
}

QatConfig QatConfig::from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object(), source, ": a QAT configuration is a JSON object");
  QatConfig c;
  try {
    c.model = j.value("model", c.model);
    c.data = j.value("data", c.data);
    c.eval_data = j.value("eval_data", c.eval_data);
    if (j.contains("layers")) c.layers = j.at("layers").get<std::vector<int64_t>>();
    c.multi_layer = j.value("multi_layer", c.multi_layer);
    c.ptq_mode = j.value("ptq_mode", c.ptq_mode);
    // Written before the methods existed: the BCJR soft codeword.
    if (j.contains("method")) c.method = parse_qat_method(j.at("method").get<std::string>(), source + " \"method\"");
    if (j.contains("jacquant")) c.jacquant = JacQuantOptions::from_json(j.at("jacquant"), source);
    if (j.contains("quant")) c.quant = QuantParams::from_json(j.at("quant"), source);
    if (j.contains("schedule")) c.schedule = TemperatureSchedule::from_json(j.at("schedule"), source + " schedule");
    c.steps = j.value("steps", c.steps);
    c.lr = j.value("lr", c.lr);
    c.lr_units = j.value("lr_units", c.lr_units);
    if (j.contains("betas")) {
      auto b = j.at("betas").get<std::vector<double>>();
      BCJR_CHECK(b.size() == 2, source, ": \"betas\" must hold two numbers");
      c.beta1 = b[0];
      c.beta2 = b[1];
    }
    c.weight_decay = j.value("weight_decay", c.weight_decay);
    c.clip = j.value("clip", c.clip);
    c.window = j.value("window", c.window);
    c.seed = j.value("seed", c.seed);
    c.calib_windows = j.value("calib_windows", c.calib_windows);
    c.damping = j.value("damping", c.damping);
    c.checkpoint_every = j.value("checkpoint_every", c.checkpoint_every);
    c.flips_every = j.value("flips_every", c.flips_every);
    c.eval_every = j.value("eval_every", c.eval_every);
    c.eval_ctx = j.value("eval_ctx", c.eval_ctx);
    c.eval_windows = j.value("eval_windows", c.eval_windows);
    c.eval_before_after = j.value("eval_before_after", c.eval_before_after);
    c.device = j.value("device", c.device);
  } catch (const bcjr::Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(source, ": ", e.what());
  }
  c.validate();
  return c;
}

}  // namespace bcjr::quant
