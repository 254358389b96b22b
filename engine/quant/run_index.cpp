#include "engine/quant/run_index.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace fs = std::filesystem;

namespace bcjr::quant {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string join_layers(const std::vector<int64_t>& layers) {
  std::string s;
  for (int64_t l : layers) s += (s.empty() ? "" : ",") + std::to_string(l);
  return s;
}

std::string file_name(const std::string& path) {
  if (path.empty() || path == "default") return path;
  fs::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

int64_t count_lines(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  int64_t n = 0;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) ++n;
  return n;
}

nlohmann::json read_json_file(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const std::exception&) {
    return nlohmann::json();
  }
}

}  // namespace

std::string describe_schedule(const TemperatureSchedule& s) {
  if (s == TemperatureSchedule::preset("skip-high-T")) return "skip-high-T";
  if (s == TemperatureSchedule::preset("naive")) return "naive";
  const nlohmann::json j = s.to_json();
  if (s.kind() == TemperatureSchedule::Kind::Points) return "points (" + std::to_string(j.at("points").size()) + ")";
  // T at the first and last of two steps: the end points of any curve kind.
  if (s.kind() == TemperatureSchedule::Kind::Constant) return "constant " + number(s.at(0, 2));
  return s.kind_name() + " " + number(s.at(0, 2)) + " -> " + number(s.at(1, 2));
}

RunSummary summarize_run(const std::string& dir) {
  RunSummary r;
  r.path = dir;
  r.name = file_name(dir);
  const nlohmann::json manifest = read_json_file(dir + "/run.json");
  if (!manifest.is_object() || !manifest.contains("config")) {
    r.error = fs::exists(dir + "/run.json") ? "run.json is not a run manifest" : "no run.json";
    return r;
  }
  r.status = read_run_status(dir);
  r.config_json = manifest.at("config");
  try {
    r.config = QatConfig::from_json(r.config_json, dir + "/run.json");
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
  const QatConfig& c = r.config;
  r.model = file_name(manifest.contains("model") ? manifest["model"].value("path", c.model) : c.model);
  r.layers = join_layers(c.layers);
  r.method = c.steps == 0 ? "PTQ " + c.ptq_mode
                          : "BCJR-QAT from " + c.ptq_mode + (c.layers.size() > 1 ? ", " + c.multi_layer : "");
  r.schedule = c.steps == 0 ? "-" : describe_schedule(c.schedule);
  r.steps_total = c.total_steps();
  r.steps_done = count_lines(dir + "/metrics.jsonl");

  const nlohmann::json results = read_json_file(dir + "/results.json");
  if (results.is_object()) {
    for (const auto& p : results.value("perplexity", nlohmann::json::array())) {
      const std::string label = p.value("label", std::string());
      const double ppl = p.value("ppl", double(NAN));
      if (label == "FP") r.ppl_fp = ppl;
      if (label == "PTQ") r.ppl_ptq = ppl;
      if (label == "QAT") r.ppl_qat = ppl;
    }
    const nlohmann::json pr = results.value("protocol", nlohmann::json::object());
    const auto& figures = results.value("perplexity", nlohmann::json::array());
    const std::string dtype = pr.value("dtype", figures.empty() ? std::string() : figures[0].value("dtype", std::string()));
    if (!figures.empty()) {
      const auto& f = figures[0];
      r.protocol = pr.value("data", std::string()) + ", ctx " + std::to_string(f.value("ctx", int64_t(0))) + ", " +
                   std::to_string(f.value("windows", int64_t(0))) + " windows, " +
                   pr.value("bos_policy", std::string()) + ", " + (dtype.empty() ? "dtype not recorded" : dtype);
    }
  }
  return r;
}

std::vector<RunSummary> list_runs(const std::string& root) {
  std::vector<RunSummary> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory(ec) && fs::exists(e.path() / "run.json", ec)) out.push_back(summarize_run(e.path().string()));
  std::sort(out.begin(), out.end(), [](const RunSummary& a, const RunSummary& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> difference_labels(const std::vector<QatConfig>& configs, const std::vector<std::string>& names) {
  BCJR_CHECK(configs.size() == names.size(), "difference_labels: ", configs.size(), " configurations for ",
             names.size(), " names");
  using Field = std::string (*)(const QatConfig&);
  // Each field as it reads in a legend; a field is shown when its text differs between runs.
  static const Field fields[] = {
      [](const QatConfig& c) { return c.steps == 0 ? std::string("PTQ") : describe_schedule(c.schedule); },
      [](const QatConfig& c) { return "lr " + number(c.lr); },
      [](const QatConfig& c) { return c.lr_units + " units"; },
      [](const QatConfig& c) { return "seed " + std::to_string(c.seed); },
      [](const QatConfig& c) { return "from " + c.ptq_mode; },
      [](const QatConfig& c) { return c.multi_layer; },
      [](const QatConfig& c) { return "layers " + join_layers(c.layers); },
      [](const QatConfig& c) { return std::to_string(c.steps) + " steps"; },
      [](const QatConfig& c) {
        return c.quant.code + " L=" + std::to_string(c.quant.L) + " k=" + std::to_string(c.quant.k) +
               " V=" + std::to_string(c.quant.V);
      },
      [](const QatConfig& c) { return "window " + std::to_string(c.window); },
      [](const QatConfig& c) { return "data " + file_name(c.data); },
      [](const QatConfig& c) { return "eval " + (c.eval_data.empty() ? "held-out " + number(c.held_out) : file_name(c.eval_data)); },
      [](const QatConfig& c) { return "model " + file_name(c.model); },
      [](const QatConfig& c) { return c.device; },
  };
  std::vector<std::string> labels(configs.size());
  if (configs.size() > 1)
    for (Field f : fields) {
      bool differs = false;
      for (const auto& c : configs) differs |= f(c) != f(configs[0]);
      if (!differs) continue;
      for (size_t i = 0; i < configs.size(); ++i) labels[i] += (labels[i].empty() ? "" : ", ") + f(configs[i]);
    }
  std::vector<bool> clash(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) clash[i] = std::count(labels.begin(), labels.end(), labels[i]) > 1;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) labels[i] = names[i];
    else if (clash[i]) labels[i] += " (" + names[i] + ")";
  }
  return labels;
}

TemperatureSchedule schedule_in_force(const std::string& dir) {
  const nlohmann::json manifest = read_json_file(dir + "/run.json");
  BCJR_CHECK(manifest.is_object() && manifest.contains("config"), dir, "/run.json: not a run manifest");
  TemperatureSchedule s = QatConfig::from_json(manifest.at("config"), dir + "/run.json").schedule;
  long long checkpoint = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir + "/checkpoints", ec)) {
    long long step = -1;
    char tail[8] = {0};
    if (std::sscanf(e.path().filename().string().c_str(), "step_%lld.%5s", &step, tail) == 2 &&
        std::string(tail) == "ckpt")
      checkpoint = std::max(checkpoint, step);
  }
  std::ifstream log(dir + "/log.txt");
  std::string line;
  const std::string marker = "schedule replaced before step ";
  while (std::getline(log, line)) {
    const size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    long long step = -1;
    const size_t colon = line.find(": ", at);
    if (colon == std::string::npos || std::sscanf(line.c_str() + at + marker.size(), "%lld", &step) != 1) continue;
    if (step >= checkpoint) continue;  // after the checkpoint a resume starts from
    try {
      s = TemperatureSchedule::from_json(nlohmann::json::parse(line.substr(colon + 2)), dir + "/log.txt");
    } catch (const std::exception&) {
      // A line cut short by a crash is not a schedule edit the checkpoint holds.
    }
  }
  return s;
}

}  // namespace bcjr::quant
