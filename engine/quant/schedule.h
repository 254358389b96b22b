// The temperature schedule of a BCJR-QAT run: T at step i of N. Exponential, cosine, linear and
// constant curves between T0 and Tmin, or a free list of (step, T) points joined linearly in T or in
// log T (the studio's editor draws the latter: an exponential is two points); the paper's presets
// "skip-high-T" (0.3 -> 0.05) and "naive" (1.0 -> 0.05). Stored as JSON in run.json.
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
  // How a point list is joined between its points: linearly in T, or linearly in log T.
  enum class Interpolation { Linear, Log };

  static TemperatureSchedule exponential(double t0, double tmin);
  static TemperatureSchedule cosine(double t0, double tmin);
  static TemperatureSchedule linear(double t0, double tmin);
  static TemperatureSchedule constant(double t);
  // (step, T) pairs, steps strictly increasing; before the first and after the last point T is held.
  static TemperatureSchedule points(std::vector<std::pair<double, double>> pts,
                                    Interpolation interpolation = Interpolation::Linear);
  // "skip-high-T" or "naive"; throws a bcjr::Error listing the presets otherwise.
  static TemperatureSchedule preset(const std::string& name);
  // A preset name, a JSON object, or the path of a .json file holding one (for --schedule).
  static TemperatureSchedule parse(const std::string& spec);
  // Per-phase schedules (for --phase-schedules): a JSON array of schedules, a .json file holding
  // one (what the studio's schedule editor saves), or preset names separated by commas.
  static std::vector<TemperatureSchedule> parse_list(const std::string& spec);
  // Reads a JSON value from `spec` if it is inline JSON or the path of a file; `what` names it in errors.
  static nlohmann::json read_json(const std::string& spec, const std::string& what);

  // T at step i (0-based) of a run of `steps` steps. Exponential: T0 (Tmin/T0)^(i/(N-1)).
  double at(int64_t step, int64_t steps) const;

  Kind kind() const { return kind_; }
  std::string kind_name() const;
  double t0() const { return t0_; }      // also the constant's T
  double tmin() const { return tmin_; }
  const std::vector<std::pair<double, double>>& point_list() const { return points_; }
  Interpolation interpolation() const { return interpolation_; }
  // {"kind": "exponential", "t0": 0.3, "tmin": 0.05} or {"kind": "points", "points": [[0, 0.3], ...]},
  // the latter with "interpolation": "log" when joined in log T (absent: linear in T).
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
  Interpolation interpolation_ = Interpolation::Linear;
};

}  // namespace bcjr::quant
