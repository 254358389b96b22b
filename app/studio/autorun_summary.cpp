#include "app/studio/autorun_summary.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSysInfo>
#include <algorithm>
#include <numeric>

#include "engine/core/runtime.h"

namespace bcjr::studio {

double mean_of(QVector<double> v) {
  return v.isEmpty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double median_of(QVector<double> v) {
  if (v.isEmpty()) return 0.0;
  std::sort(v.begin(), v.end());
  const int n = int(v.size());
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

nlohmann::json perplexities_of_run(const QString& run_dir) {
  QFile f(QDir(run_dir).filePath("results.json"));
  if (!f.open(QIODevice::ReadOnly)) return nullptr;
  auto j = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return nullptr;
  nlohmann::json out = {{"protocol", j.value("protocol", nlohmann::json::object())}};
  for (const auto& p : j.value("perplexity", nlohmann::json::array()))
    if (p.is_object() && p.contains("label")) out[p.at("label").get<std::string>()] = p;
  return out;
}

namespace {
// The first "KEY: value" line of a text file whose key matches, or an empty string.
QString field_of(const QString& path, const QString& key) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
  const QRegularExpression re("^\\s*" + QRegularExpression::escape(key) + "\\s*:\\s*(.+)$");
  for (const QString& line : QString::fromUtf8(f.readAll()).split('\n')) {
    auto m = re.match(line);
    if (m.hasMatch()) return m.captured(1).trimmed();
  }
  return {};
}
}  // namespace

nlohmann::json device_description(const QString& kind) {
  nlohmann::json d = {{"kind", kind.toStdString()}, {"host", QSysInfo::machineHostName().toStdString()}};
  d["cpu"] = field_of("/proc/cpuinfo", "model name").toStdString();
  d["threads"] = thread_count();
  if (kind == "cuda") {
    // The driver's own file: no CUDA call from the GUI, and it names the card as nvidia-smi does.
    QStringList gpus;
    for (const QString& g : QDir("/proc/driver/nvidia/gpus").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      const QString model = field_of("/proc/driver/nvidia/gpus/" + g + "/information", "Model");
      if (!model.isEmpty()) gpus << model;
    }
    d["gpus"] = nlohmann::json::array();
    for (const QString& g : gpus) d["gpus"].push_back(g.toStdString());
    d["name"] = gpus.isEmpty() ? std::string("CUDA device") : gpus.first().toStdString();
  } else {
    d["name"] = d["cpu"];
  }
  return d;
}

nlohmann::json autorun_summary(const AutorunRecord& r) {
  nlohmann::json j;
  j["status"] = RunEnd::statusName(r.end.status).toStdString();
  j["exit_code"] = r.exit_code;
  j["run_file"] = r.run_file.toStdString();
  j["run_dir"] = r.end.run_dir.toStdString();
  j["message"] = r.end.message.toStdString();
  j["errors"] = nlohmann::json::array();
  for (const QString& e : r.errors) j["errors"].push_back(e.toStdString());
  j["steps_total"] = r.steps_total;
  j["steps_done"] = r.steps_done;
  nlohmann::json each = nlohmann::json::array();
  for (double s : r.step_seconds) each.push_back(s);
  j["seconds_per_step"] = {{"each", each}, {"mean", mean_of(r.step_seconds)}, {"median", median_of(r.step_seconds)}};
  // A run refused before it began (its folder held another run) has no perplexities of its own.
  j["perplexity"] = r.end.started ? perplexities_of_run(r.end.run_dir) : nlohmann::json(nullptr);
  const LatencyStats& l = r.end.latency;
  j["event_loop_latency_ms"] = {{"p50", l.p50_ms},
                                {"p99", l.p99_ms},
                                {"max", l.max_ms},
                                {"max_at_s", l.max_at_s},
                                {"samples", l.samples},
                                {"timer_ms", l.interval_ms},
                                {"resolution_ms", LatencyHistogram::kBinMs}};
  if (r.cancel_after_s >= 0) {
    j["cancel"] = {{"after_s", r.cancel_after_s}, {"pressed", r.cancel_pressed}};
    if (r.cancel_pressed) j["cancel"]["pressed_after_s"] = r.cancel_pressed_after_s;
    if (r.end.cancel_seconds >= 0) j["cancel"]["stop_latency_s"] = r.end.cancel_seconds;
  } else {
    j["cancel"] = nullptr;
  }
  j["screenshots"] = nlohmann::json::array();
  for (const CapturedView& v : r.screenshots)
    j["screenshots"].push_back({{"moment", v.moment.toStdString()},
                                {"view", v.view.toStdString()},
                                {"file", v.file.toStdString()},
                                {"steps_shown", v.steps_shown},
                                {"no_data", v.no_data},
                                {"grab_ms", v.grab_ms}});
  j["device"] = device_description(r.device);
  j["wall_seconds"] = r.wall_seconds;
  return j;
}

}  // namespace bcjr::studio
