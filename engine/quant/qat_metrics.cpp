#include "engine/quant/qat_metrics.h"

#include <cmath>
#include <nlohmann/json.hpp>

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

StepMetrics step_metrics_from_json(const nlohmann::json& j) {
  StepMetrics m;
  m.step = j.at("step").get<int64_t>();
  m.phase = j.value("phase", int64_t(0));
  m.phase_step = j.value("phase_step", int64_t(0));
  m.T = j.at("T").get<double>();
  m.kl = j.at("kl").get<double>();
  m.lr = j.value("lr", 0.0);
  m.grad_norm = j.value("grad_norm", 0.0);
  m.window_start = j.value("window_start", int64_t(0));
  m.seconds = j.value("seconds", 0.0);
  m.peak_rss_mb = j.value("peak_rss_mb", 0.0);
  m.eval_ppl = j.value("eval_ppl", -1.0);
  for (const auto& l : j.value("linears", nlohmann::json::array())) {
    LinearStepMetrics x;
    x.layer = l.at("layer").get<int64_t>();
    x.linear = l.at("linear").get<std::string>();
    x.drift_rms = l.value("drift_rms", 0.0);
    x.drift_max = l.value("drift_max", 0.0);
    x.drift_path = l.value("drift_path", 0.0);
    x.sigma_w = l.value("sigma_w", 0.0);
    x.radius = l.value("radius", 0.0);
    x.predicted = l.value("predicted", 0.0);
    x.flips = l.value("flips", int64_t(-1));
    x.tiles_touched = l.value("tiles_touched", int64_t(-1));
    x.tiles = l.value("tiles", int64_t(0));
    x.trellis_steps = l.value("trellis_steps", int64_t(0));
    if (l.contains("slopes")) {
      const auto& s = l.at("slopes");
      x.slopes.mean = s.value("mean", 0.0);
      x.slopes.sd = s.value("sd", 0.0);
      x.slopes.min = s.value("min", 0.0);
      x.slopes.max = s.value("max", 0.0);
      x.slopes.probe = s.value("probe", -1.0);
      x.slopes.dither = s.value("dither", -1.0);
      auto range = s.value("range", std::vector<double>{0.0, 0.0});
      if (range.size() == 2) {
        x.slopes.lo = range[0];
        x.slopes.hi = range[1];
      }
      x.slopes.hist = s.value("hist", std::vector<int64_t>{});
    }
    m.linears.push_back(x);
  }
  return m;
}

}  // namespace bcjr::quant
