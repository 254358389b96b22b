#include "engine/quant/qat_metrics.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/json_keys.h"

namespace bcjr::quant {

double voronoi_radius(double sigma_w, int k, int V) {
  return sigma_w / std::sqrt(2.0 * 3.14159265358979323846 * std::ldexp(1.0, k * V));
}

nlohmann::json to_json(const StepMetrics& m) {
  nlohmann::json lin = nlohmann::json::array();
  for (const auto& l : m.linears) {
    lin.push_back({{"layer", l.layer},         {"linear", l.linear},       {"drift_rms", l.drift_rms},
                   {"drift_max", l.drift_max}, {"drift_path", l.drift_path}, {"sigma_w", l.sigma_w},
                   {"radius", l.radius},       {"predicted", l.predicted}, {"flips", l.flips},
                   {"tiles_touched", l.tiles_touched}, {"tiles", l.tiles}, {"trellis_steps", l.trellis_steps}});
    const SlopeSummary& s = l.slopes;
    if (!s.hist.empty())
      lin.back()["slopes"] = {{"mean", s.mean},     {"sd", s.sd},         {"min", s.min},   {"max", s.max},
                              {"probe", s.probe},   {"dither", s.dither}, {"range", {s.lo, s.hi}},
                              {"hist", s.hist}};
  }
  return {{"step", m.step},           {"phase", m.phase},       {"phase_step", m.phase_step}, {"T", m.T},
          {"kl", m.kl},               {"lr", m.lr},             {"grad_norm", m.grad_norm},
          {"window_start", m.window_start}, {"seconds", m.seconds}, {"peak_rss_mb", m.peak_rss_mb},
          {"eval_ppl", m.eval_ppl},   {"linears", lin}};
}

namespace {

// A number written by to_json; JSON has no NaN, which nlohmann writes as null: read back as NaN.
double real_field(const nlohmann::json& j, const char* key, double fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_null()) return std::nan("");
  BCJR_CHECK(it->is_number(), source, ": \"", key, "\" must be a number");
  return it->get<double>();
}

int64_t int_field(const nlohmann::json& j, const char* key, int64_t fallback, const std::string& source) {
  int64_t v = fallback;
  read_json_field(j, key, v, source);
  return v;
}

}  // namespace

StepMetrics step_metrics_from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object(), source, ": a step's metrics are a JSON object");
  BCJR_CHECK(j.contains("step") && j.contains("T") && j.contains("kl"), source,
             ": a step's metrics need \"step\", \"T\" and \"kl\"");
  StepMetrics m;
  m.step = int_field(j, "step", 0, source);
  m.phase = int_field(j, "phase", 0, source);
  m.phase_step = int_field(j, "phase_step", 0, source);
  m.T = real_field(j, "T", 0, source);
  m.kl = real_field(j, "kl", 0, source);
  m.lr = real_field(j, "lr", 0.0, source);
  m.grad_norm = real_field(j, "grad_norm", 0.0, source);
  m.window_start = int_field(j, "window_start", 0, source);
  m.seconds = real_field(j, "seconds", 0.0, source);
  m.peak_rss_mb = real_field(j, "peak_rss_mb", 0.0, source);
  m.eval_ppl = real_field(j, "eval_ppl", -1.0, source);
  if (j.contains("linears")) {
    BCJR_CHECK(j["linears"].is_array(), source, ": \"linears\" must be a list");
    for (const auto& l : j["linears"]) {
      BCJR_CHECK(l.is_object() && l.contains("layer") && l.contains("linear"), source,
                 ": each of \"linears\" is an object with \"layer\" and \"linear\"");
      LinearStepMetrics x;
      x.layer = int_field(l, "layer", 0, source);
      read_json_field(l, "linear", x.linear, source);
      x.drift_rms = real_field(l, "drift_rms", 0.0, source);
      x.drift_max = real_field(l, "drift_max", 0.0, source);
      x.drift_path = real_field(l, "drift_path", 0.0, source);
      x.sigma_w = real_field(l, "sigma_w", 0.0, source);
      x.radius = real_field(l, "radius", 0.0, source);
      x.predicted = real_field(l, "predicted", 0.0, source);
      x.flips = int_field(l, "flips", -1, source);
      x.tiles_touched = int_field(l, "tiles_touched", -1, source);
      x.tiles = int_field(l, "tiles", 0, source);
      x.trellis_steps = int_field(l, "trellis_steps", 0, source);
      if (l.contains("slopes")) {
        const auto& s = l.at("slopes");
        BCJR_CHECK(s.is_object(), source, ": \"slopes\" must be an object");
        x.slopes.mean = real_field(s, "mean", 0.0, source);
        x.slopes.sd = real_field(s, "sd", 0.0, source);
        x.slopes.min = real_field(s, "min", 0.0, source);
        x.slopes.max = real_field(s, "max", 0.0, source);
        x.slopes.probe = real_field(s, "probe", -1.0, source);
        x.slopes.dither = real_field(s, "dither", -1.0, source);
        if (s.contains("range")) {
          const auto& r = s.at("range");
          BCJR_CHECK(r.is_array() && r.size() == 2 && r[0].is_number() && r[1].is_number(), source,
                     ": \"slopes\" \"range\" must hold two numbers");
          x.slopes.lo = r[0].get<double>();
          x.slopes.hi = r[1].get<double>();
        }
        if (s.contains("hist")) {
          BCJR_CHECK(s.at("hist").is_array(), source, ": \"slopes\" \"hist\" must be a list of counts");
          for (const auto& h : s.at("hist")) {
            BCJR_CHECK(h.is_number_integer(), source, ": \"slopes\" \"hist\" must be a list of counts");
            x.slopes.hist.push_back(h.get<int64_t>());
          }
        }
      }
      m.linears.push_back(x);
    }
  }
  return m;
}

std::vector<StepMetrics> read_metrics_file(const std::string& path) {
  std::vector<StepMetrics> out;
  const std::string text = read_file(path);
  size_t begin = 0;
  int64_t number = 0;
  while (begin < text.size()) {
    const size_t nl = text.find('\n', begin);
    // A last line without its newline is an append that a crash cut short: not a step.
    if (nl == std::string::npos) break;
    ++number;
    const std::string line = text.substr(begin, nl - begin);
    begin = nl + 1;
    if (line.empty()) continue;
    const std::string source = path + " line " + std::to_string(number);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      fail(source, ": not valid JSON: ", e.what());
    }
    out.push_back(step_metrics_from_json(j, source));
  }
  return out;
}

}  // namespace bcjr::quant
