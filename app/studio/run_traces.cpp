#include "app/studio/run_traces.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QObject>

#include "app/studio/step_snapshot.h"
#include "engine/core/error.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/run_index.h"

namespace bcjr::studio {

widgets::RunTrace load_run_trace(const QString& run_dir) {
  const quant::RunSummary summary = quant::summarize_run(run_dir.toStdString());
  BCJR_CHECK(summary.error.empty(), run_dir.toStdString(), ": ", summary.error);
  widgets::RunTrace t;
  t.id = QFileInfo(run_dir).absoluteFilePath();
  t.label = QString::fromStdString(summary.name);
  t.ppl_fp = summary.ppl_fp;
  t.ppl_ptq = summary.ppl_ptq;
  t.ppl_qat = summary.ppl_qat;
  t.ppl_protocol = QString::fromStdString(summary.protocol);
  QFile f(QDir(run_dir).filePath("metrics.jsonl"));
  if (!f.exists()) return t;
  if (!f.open(QIODevice::ReadOnly)) fail(f.fileName().toStdString(), ": cannot read: ", f.errorString().toStdString());
  const QList<QByteArray> lines = f.readAll().split('\n');
  for (int i = 0; i < lines.size(); ++i) {
    if (lines[i].trimmed().isEmpty()) continue;
    try {
      t.steps.append(step_snapshot(quant::step_metrics_from_json(nlohmann::json::parse(lines[i].toStdString()))));
    } catch (const std::exception& e) {
      // The last line may be one a running writer has not finished; any other is damage.
      if (i + 1 == lines.size()) break;
      fail(f.fileName().toStdString(), " line ", i + 1, ": ", e.what());
    }
  }
  return t;
}

QColor run_colour(int index) {
  // Okabe-Ito's colour-blind-safe set, without its black, then two more of Tableau's.
  static const QColor colours[] = {QColor(0, 114, 178),  QColor(230, 159, 0),  QColor(0, 158, 115),
                                   QColor(213, 94, 0),   QColor(204, 121, 167), QColor(86, 180, 233),
                                   QColor(240, 228, 66), QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(127, 127, 127)};
  return colours[((index % 10) + 10) % 10];
}

void label_traces(QVector<widgets::RunTrace>& traces) {
  std::vector<quant::QatConfig> configs;
  std::vector<std::string> names;
  std::vector<int> readable;
  for (int i = 0; i < traces.size(); ++i) {
    const quant::RunSummary s = quant::summarize_run(traces[i].id.toStdString());
    if (!s.error.empty()) continue;
    configs.push_back(s.config);
    names.push_back(s.name);
    readable.push_back(i);
  }
  const auto labels = quant::difference_labels(configs, names);
  for (size_t k = 0; k < readable.size(); ++k) {
    QString label = QString::fromStdString(labels[k]);
    if (traces[readable[k]].live) label += QObject::tr(" (live)");
    traces[readable[k]].label = label;
  }
}

}  // namespace bcjr::studio
