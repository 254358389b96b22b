#include "engine/quant/schedule.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/json_keys.h"
#include "engine/core/source_errors.h"

namespace bcjr::quant {

namespace {
const double kPi = 3.14159265358979323846;
}

TemperatureSchedule TemperatureSchedule::exponential(double t0, double tmin) {
  TemperatureSchedule s;
  s.kind_ = Kind::Exponential;
  s.t0_ = t0;
  s.tmin_ = tmin;
  s.validate("exponential schedule");
  return s;
}

TemperatureSchedule TemperatureSchedule::cosine(double t0, double tmin) {
  auto s = exponential(t0, tmin);
  s.kind_ = Kind::Cosine;
  return s;
}

TemperatureSchedule TemperatureSchedule::linear(double t0, double tmin) {
  auto s = exponential(t0, tmin);
  s.kind_ = Kind::Linear;
  return s;
}

TemperatureSchedule TemperatureSchedule::constant(double t) {
  auto s = exponential(t, t);
  s.kind_ = Kind::Constant;
  return s;
}

TemperatureSchedule TemperatureSchedule::points(std::vector<std::pair<double, double>> pts,
                                                Interpolation interpolation) {
  TemperatureSchedule s;
  s.kind_ = Kind::Points;
  s.points_ = std::move(pts);
  s.interpolation_ = interpolation;
  s.validate("point-list schedule");
  return s;
}

TemperatureSchedule TemperatureSchedule::preset(const std::string& name) {
  if (name == "skip-high-T") return exponential(0.3, 0.05);
  if (name == "naive") return exponential(1.0, 0.05);
  fail("unknown schedule preset '", name, "' (presets: skip-high-T, naive)");
}

nlohmann::json TemperatureSchedule::read_json(const std::string& spec, const std::string& what) {
  const bool inline_json = !spec.empty() && (spec.front() == '{' || spec.front() == '[');
  const std::string source = inline_json ? what + " JSON" : what + " file " + spec;
  try {
    return nlohmann::json::parse(inline_json ? spec : read_file(spec, kMaxConfigJsonBytes, "schedule file"));
  } catch (const bcjr::Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(source, inline_json ? " '" + spec + "'" : std::string(), ": ", e.what());
  }
}

TemperatureSchedule TemperatureSchedule::parse(const std::string& spec) {
  if (spec == "skip-high-T" || spec == "naive") return preset(spec);
  if (!spec.empty() && spec.front() == '{') return from_json(read_json(spec, "schedule"), "schedule JSON");
  if (std::filesystem::exists(spec)) return from_json(read_json(spec, "schedule"), "schedule file " + spec);
  fail("schedule '", spec, "': not a preset (skip-high-T, naive), a JSON object or an existing .json file");
}

std::vector<TemperatureSchedule> TemperatureSchedule::parse_list(const std::string& spec) {
  std::vector<TemperatureSchedule> out;
  const bool json = (!spec.empty() && spec.front() == '[') || std::filesystem::exists(spec);
  if (!json) {
    size_t begin = 0;
    while (begin <= spec.size()) {
      const size_t end = std::min(spec.find(',', begin), spec.size());
      out.push_back(parse(spec.substr(begin, end - begin)));
      begin = end + 1;
    }
    return out;
  }
  const std::string source = spec.front() == '[' ? "per-phase schedules JSON" : "per-phase schedules file " + spec;
  const nlohmann::json j = read_json(spec, "per-phase schedules");
  if (j.is_object()) return {from_json(j, source)};
  BCJR_CHECK(j.is_array() && !j.empty(), source, ": expected a schedule object or a non-empty array of them");
  for (size_t i = 0; i < j.size(); ++i) out.push_back(from_json(j[i], source + " [" + std::to_string(i) + "]"));
  return out;
}

void TemperatureSchedule::validate(const std::string& source) const {
  if (kind_ == Kind::Points) {
    BCJR_CHECK(!points_.empty(), source, ": the point list is empty");
    for (size_t i = 0; i < points_.size(); ++i) {
      BCJR_CHECK(std::isfinite(points_[i].first) && points_[i].first >= 0, source, ": point ", i,
                 " has step ", points_[i].first, " (must be finite and >= 0)");
      BCJR_CHECK(std::isfinite(points_[i].second) && points_[i].second > 0, source, ": point ", i,
                 " has T = ", points_[i].second, " (must be finite and > 0)");
      BCJR_CHECK(i == 0 || points_[i].first > points_[i - 1].first, source,
                 ": point steps must be strictly increasing (point ", i, ")");
    }
    return;
  }
  BCJR_CHECK(std::isfinite(t0_) && t0_ > 0 && std::isfinite(tmin_) && tmin_ > 0, source,
             ": temperatures must be finite and > 0 (T0 = ", t0_, ", Tmin = ", tmin_, ")");
}

double TemperatureSchedule::at(int64_t step, int64_t steps) const {
  BCJR_CHECK(steps >= 1 && step >= 0 && step < steps, "temperature schedule: step ", step, " of a run of ",
             steps, " steps");
  const double f = steps == 1 ? 0.0 : double(step) / double(steps - 1);
  switch (kind_) {
    case Kind::Exponential: return t0_ * std::pow(tmin_ / t0_, f);
    case Kind::Cosine: return tmin_ + (t0_ - tmin_) * 0.5 * (1.0 + std::cos(kPi * f));
    case Kind::Linear: return t0_ + (tmin_ - t0_) * f;
    case Kind::Constant: return t0_;
    case Kind::Points: {
      const double x = double(step);
      if (x <= points_.front().first) return points_.front().second;
      for (size_t i = 1; i < points_.size(); ++i)
        if (x <= points_[i].first) {
          const auto& a = points_[i - 1];
          const auto& b = points_[i];
          const double f = (x - a.first) / (b.first - a.first);
          if (interpolation_ == Interpolation::Log) return a.second * std::pow(b.second / a.second, f);
          return a.second + (b.second - a.second) * f;
        }
      return points_.back().second;
    }
  }
  return t0_;
}

std::string TemperatureSchedule::kind_name() const {
  switch (kind_) {
    case Kind::Exponential: return "exponential";
    case Kind::Cosine: return "cosine";
    case Kind::Linear: return "linear";
    case Kind::Constant: return "constant";
    case Kind::Points: return "points";
  }
  return "?";
}

nlohmann::json TemperatureSchedule::to_json() const {
  nlohmann::json j;
  j["kind"] = kind_name();
  if (kind_ == Kind::Points) {
    j["points"] = nlohmann::json::array();
    for (const auto& p : points_) j["points"].push_back({p.first, p.second});
    if (interpolation_ == Interpolation::Log) j["interpolation"] = "log";
  } else if (kind_ == Kind::Constant) {
    j["t"] = t0_;
  } else {
    j["t0"] = t0_;
    j["tmin"] = tmin_;
  }
  return j;
}

TemperatureSchedule TemperatureSchedule::from_json(const nlohmann::json& j, const std::string& source) {
  // The constructors' own checks name the kind, not the file: every error names `source`.
  return naming_source(source, [&] { return schedule_from_json(j, source); });
}

TemperatureSchedule TemperatureSchedule::schedule_from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object() && j.contains("kind") && j["kind"].is_string(), source,
             ": a schedule is a JSON object with a string \"kind\"");
  const std::string kind = j["kind"].get<std::string>();
  // The keys each kind reads; any other is refused by name. ("interpolation": linear or log
  // interpolation between points.)
  const std::vector<std::string> keys =
      kind == "preset"     ? std::vector<std::string>{"kind", "name"}
      : kind == "constant" ? std::vector<std::string>{"kind", "t"}
      : kind == "points"   ? std::vector<std::string>{"kind", "points", "interpolation"}
                           : std::vector<std::string>{"kind", "t0", "tmin"};
  refuse_unknown_keys(j, keys, source);
  auto number = [&](const char* key) {
    BCJR_CHECK(j.contains(key) && j[key].is_number(), source, ": schedule '", kind, "' needs a number \"", key, "\"");
    return j[key].get<double>();
  };
  if (kind == "preset") {
    BCJR_CHECK(j.contains("name") && j["name"].is_string(), source, ": a preset schedule needs \"name\"");
    return preset(j["name"].get<std::string>());
  }
  if (kind == "exponential") return exponential(number("t0"), number("tmin"));
  if (kind == "cosine") return cosine(number("t0"), number("tmin"));
  if (kind == "linear") return linear(number("t0"), number("tmin"));
  if (kind == "constant") return constant(number("t"));
  if (kind == "points") {
    BCJR_CHECK(j.contains("points") && j["points"].is_array(), source, ": schedule 'points' needs an array \"points\"");
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : j["points"]) {
      BCJR_CHECK(p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number(), source,
                 ": each point is [step, T]");
      pts.emplace_back(p[0].get<double>(), p[1].get<double>());
    }
    TemperatureSchedule s;
    s.kind_ = Kind::Points;
    s.points_ = std::move(pts);
    if (j.contains("interpolation")) {
      const auto& i = j["interpolation"];
      BCJR_CHECK(i.is_string() && (i == "log" || i == "linear"), source,
                 ": schedule \"interpolation\" must be \"linear\" or \"log\" (got ", i.dump(), ")");
      s.interpolation_ = i == "log" ? Interpolation::Log : Interpolation::Linear;
    }
    s.validate(source);
    return s;
  }
  fail(source, ": unknown schedule kind '", kind, "' (exponential, cosine, linear, constant, points, preset)");
}

bool TemperatureSchedule::operator==(const TemperatureSchedule& o) const {
  return kind_ == o.kind_ && t0_ == o.t0_ && tmin_ == o.tmin_ && points_ == o.points_ &&
         interpolation_ == o.interpolation_;
}

}  // namespace bcjr::quant
