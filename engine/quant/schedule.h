// The temperature schedule of a BCJR-QAT run: T at step i of N. Exponential, cosine, linear and
// constant curves between T0 and Tmin, or a free list of (step, T) points joined linearly; the
// paper's presets "skip-high-T" (0.3 -> 0.05) and "naive" (1.0 -> 0.05). Stored as JSON in run.json.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bcjr::quant {

class TemperatureSchedule {
 public:
  enum class Kind { Exponential, Cosine, Linear, Constant, Points };

  static TemperatureSchedule exponential(double t0, double tmin);
  static TemperatureSchedule cosine(double t0, double tmin);
  static TemperatureSchedule linear(double t0, double tmin);
  static TemperatureSchedule constant(double t);
  // (step, T) pairs, steps strictly increasing; before the first and after the last point T is held.
  static TemperatureSchedule points(std::vector<std::pair<double, double>> pts);
  // "skip-high-T" or "naive"; throws a bcjr::Error listing the presets otherwise.
  static TemperatureSchedule preset(const std::string& name);
  // A preset name, a JSON object, or the path of a .json file holding one (for --schedule).
  static TemperatureSchedule parse(const std::string& spec);

  // T at step i (0-based) of a run of `steps` steps. Exponential: T0 (Tmin/T0)^(i/(N-1)).
  double at(int64_t step, int64_t steps) const;

  Kind kind() const { return kind_; }
  std::string kind_name() const;
  // {"kind": "exponential", "t0": 0.3, "tmin": 0.05} or {"kind": "points", "points": [[0, 0.3], ...]}.
  nlohmann::json to_json() const;
  // `source` names where the JSON came from in error messages.
  static TemperatureSchedule from_json(const nlohmann::json& j, const std::string& source);
  bool operator==(const TemperatureSchedule& o) const;

 private:
  TemperatureSchedule() = default;
  void validate(const std::string& source) const;
  static TemperatureSchedule schedule_from_json(const nlohmann::json& j, const std::string& source);
  Kind kind_ = Kind::Constant;
  double t0_ = 1.0, tmin_ = 1.0;
  std::vector<std::pair<double, double>> points_;
};

}  // namespace bcjr::quant
