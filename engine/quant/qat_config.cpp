#include "engine/quant/qat_config.h"

#include <cmath>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/json_keys.h"
#include "engine/core/source_errors.h"

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
  BCJR_CHECK(phase_schedules.empty() || multi_layer != "joint",
             "QAT: per-phase schedules (\"phase_schedules\") need --multi-layer independent or greedy; a joint run "
             "has one phase and takes \"schedule\"");
  BCJR_CHECK(phase_schedules.empty() || phase_schedules.size() == layers.size(), "QAT: ", phase_schedules.size(),
             " per-phase schedules for ", layers.size(), " layers (one per layer, in the order of --layers)");
  BCJR_CHECK(held_out >= 0 && held_out < 1, "QAT: --held-out ", held_out, " must be in [0, 1) (0: evaluate on the calibration text)");
  BCJR_CHECK(quant.code != "lut", "QAT: --code lut needs a table file, which training does not take (hyb, 1mad, 3inst)");
  jacquant.validate();
  BCJR_CHECK(is_trellis_method(method) || ptq_mode == "rht", "QAT: --ptq ", ptq_mode,
             " is a trellis PTQ; method ", qat_method_name(method), " starts from its own");
  BCJR_CHECK(steps >= 0, "QAT: --steps ", steps, " must be >= 0 (0: PTQ only)");
  BCJR_CHECK(std::isfinite(lr) && lr >= 0, "QAT: --lr ", lr, " must be finite and >= 0");
  BCJR_CHECK(lr_units == "weight" || lr_units == "normalised", "QAT: --lr-units '", lr_units,
             "' (expected weight or normalised)");
  BCJR_CHECK(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "QAT: AdamW betas (", beta1, ", ", beta2,
             ") must lie in [0, 1)");
  BCJR_CHECK(std::isfinite(weight_decay) && weight_decay >= 0, "QAT: --weight-decay ", weight_decay,
             " must be finite and >= 0");
  BCJR_CHECK(std::isfinite(clip) && clip > 0, "QAT: --clip ", clip, " must be finite and > 0");
  BCJR_CHECK(window >= 2, "QAT: --window ", window);
  BCJR_CHECK(calib_windows >= 0 && (ptq_mode == "rht" || calib_windows > 0), "QAT: --calib-windows ", calib_windows,
             (ptq_mode == "ldlq" ? " (ldlq needs at least one)" : ""));
  BCJR_CHECK(std::isfinite(damping) && damping >= 0, "QAT: --damping ", damping, " must be finite and >= 0");
  BCJR_CHECK(checkpoint_every >= 0 && flips_every >= 0 && eval_every >= 0, "QAT: negative --*-every");
  BCJR_CHECK(eval_ctx >= 2 && eval_windows >= 0, "QAT: --eval-ctx ", eval_ctx, " / --eval-windows ", eval_windows);
  BCJR_CHECK(device == "cpu" || device == "cuda", "QAT: --device '", device, "' (expected cpu or cuda)");
}

int64_t QatConfig::total_steps() const {
  return multi_layer == "joint" ? steps : steps * int64_t(layers.size());
}

int64_t QatConfig::phase_count() const { return multi_layer == "joint" ? 1 : int64_t(layers.size()); }

const TemperatureSchedule& QatConfig::phase_schedule(int64_t phase) const {
  BCJR_CHECK(phase >= 0 && phase < phase_count(), "QAT: phase ", phase, " of a run of ", phase_count(), " phases");
  return phase_schedules.empty() ? schedule : phase_schedules[size_t(phase)];
}

nlohmann::json QatConfig::to_json() const {
  nlohmann::json phase_list = nlohmann::json::array();
  for (const auto& s : phase_schedules) phase_list.push_back(s.to_json());
  nlohmann::json j = {{"model", model},
          {"data", data},
          {"eval_data", eval_data},
          {"held_out", held_out},
          {"layers", layers},
          {"multi_layer", multi_layer},
          {"ptq_mode", ptq_mode},
          {"quant", quant.to_json()},
          {"schedule", schedule.to_json()},
          {"phase_schedules", phase_list},
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

namespace {

QatConfig config_from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object(), source, ": a QAT configuration is a JSON object");
  // Every key to_json writes is known; any other (a misspelling, an option of another version)
  // is refused rather than silently leaving its setting at the default.
  // "jacquant" is written only for method jacquant, and known always.
  QatConfig with_all;
  with_all.method = QatMethod::JacQuant;
  refuse_unknown_keys(j, keys_of(with_all.to_json()), source);
  QatConfig c;
  try {
    read_json_field(j, "model", c.model, source);
    read_json_field(j, "data", c.data, source);
    read_json_field(j, "eval_data", c.eval_data, source);
    // A whole configuration written before these keys existed meant the defaults of its day: no
    // split (it has "eval_data") and, where it gives "lr" alone, the paper's weight units.
    if (j.contains("eval_data")) c.held_out = 0.0;
    read_json_field(j, "held_out", c.held_out, source);
    if (j.contains("lr") && !j.contains("lr_units")) c.lr_units = "weight";
    if (j.contains("layers")) {
      BCJR_CHECK(j.at("layers").is_array(), source, ": \"layers\" must be a list of layer numbers");
      c.layers.clear();
      for (const auto& l : j.at("layers")) {
        BCJR_CHECK(l.is_number_integer(), source, ": \"layers\" must be a list of layer numbers");
        c.layers.push_back(l.get<int64_t>());
      }
    }
    read_json_field(j, "multi_layer", c.multi_layer, source);
    read_json_field(j, "ptq_mode", c.ptq_mode, source);
    // Written before the methods existed: the BCJR soft codeword.
    if (j.contains("method")) {
      std::string name;
      read_json_field(j, "method", name, source);
      c.method = parse_qat_method(name, source + " \"method\"");
    }
    if (j.contains("jacquant")) c.jacquant = JacQuantOptions::from_json(j.at("jacquant"), source);
    if (j.contains("quant")) c.quant = QuantParams::from_json(j.at("quant"), source);
    if (j.contains("schedule")) c.schedule = TemperatureSchedule::from_json(j.at("schedule"), source + " schedule");
    if (j.contains("phase_schedules")) {
      BCJR_CHECK(j.at("phase_schedules").is_array(), source, ": \"phase_schedules\" must be an array of schedules");
      for (const auto& s : j.at("phase_schedules"))
        c.phase_schedules.push_back(TemperatureSchedule::from_json(
            s, source + " phase_schedules[" + std::to_string(c.phase_schedules.size()) + "]"));
    }
    read_json_field(j, "steps", c.steps, source);
    read_json_field(j, "lr", c.lr, source);
    read_json_field(j, "lr_units", c.lr_units, source);
    if (j.contains("betas")) {
      const auto& b = j.at("betas");
      BCJR_CHECK(b.is_array() && b.size() == 2 && b[0].is_number() && b[1].is_number(), source,
                 ": \"betas\" must hold two numbers");
      c.beta1 = b[0].get<double>();
      c.beta2 = b[1].get<double>();
    }
    read_json_field(j, "weight_decay", c.weight_decay, source);
    read_json_field(j, "clip", c.clip, source);
    read_json_field(j, "window", c.window, source);
    read_json_field(j, "seed", c.seed, source);
    read_json_field(j, "calib_windows", c.calib_windows, source);
    read_json_field(j, "damping", c.damping, source);
    read_json_field(j, "checkpoint_every", c.checkpoint_every, source);
    read_json_field(j, "flips_every", c.flips_every, source);
    read_json_field(j, "eval_every", c.eval_every, source);
    read_json_field(j, "eval_ctx", c.eval_ctx, source);
    read_json_field(j, "eval_windows", c.eval_windows, source);
    read_json_field(j, "eval_before_after", c.eval_before_after, source);
    read_json_field(j, "device", c.device, source);
  } catch (const bcjr::Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(source, ": ", e.what());
  }
  c.validate();  // its messages name the option; naming_source adds the file
  return c;
}

}  // namespace

QatConfig QatConfig::from_json(const nlohmann::json& j, const std::string& source) {
  return naming_source(source, [&] { return config_from_json(j, source); });
}

QatConfig QatConfig::from_file(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path, kMaxConfigJsonBytes, "configuration file"));
  } catch (const bcjr::Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(path, ": not JSON: ", e.what());
  }
  // A run.json holds the configuration under "config"; a bare configuration file is accepted too.
  const bool run_json = j.is_object() && j.contains("config") && j.contains("kind");
  return from_json(run_json ? j["config"] : j, path);
}

}  // namespace bcjr::quant
