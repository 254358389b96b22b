#include "app/studio/run_request.h"

#include <QFile>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace bcjr::studio {

TrainRequest newRunRequest(const quant::QatConfig& config, const QString& run_dir) {
  config.validate();
  BCJR_CHECK(!run_dir.trimmed().isEmpty(), "run folder: empty path");
  TrainRequest r;
  r.config_json = QString::fromStdString(config.to_json().dump());
  r.run_dir = run_dir;
  return r;
}

RunFile readRunFile(const QString& path) {
  const std::string name = path.toStdString();
  QFile f(path);
  BCJR_CHECK(f.open(QIODevice::ReadOnly), name, ": cannot read it (", f.errorString().toStdString(), ")");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f.readAll().toStdString());
  } catch (const nlohmann::json::exception& e) {
    fail(name, ": not valid JSON (", e.what(), ")");
  }
  BCJR_CHECK(j.is_object(), name, ": expected a JSON object {\"out\": RUN_DIR, \"config\": {...}}");
  for (auto it = j.begin(); it != j.end(); ++it)
    BCJR_CHECK(it.key() == "out" || it.key() == "config", name, ": unknown key \"", it.key(),
               "\" (a run file holds \"out\" and \"config\")");
  BCJR_CHECK(j.contains("out") && j.at("out").is_string() && !j.at("out").get<std::string>().empty(), name,
             ": \"out\" must name the run folder to create (a non-empty string)");
  BCJR_CHECK(j.contains("config"), name, ": \"config\" is missing (a QatConfig as in a run folder's run.json)");
  RunFile run;
  run.config = quant::QatConfig::from_json(j.at("config"), name + " \"config\"");
  run.run_dir = QString::fromStdString(j.at("out").get<std::string>());
  run.request = newRunRequest(run.config, run.run_dir);
  return run;
}

}  // namespace bcjr::studio
