// LibTorch-facing engine headers first: Qt's `slots` macro must not be defined while they parse.
#include <filesystem>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/quant/layer_map.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/run_linear_state.h"

#include "app/studio/layer_map_worker.h"
#include "app/studio/posterior_snapshot.h"
#include "app/studio/training_worker.h"

namespace bcjr::studio {

namespace {

// Reports progress to the window and stops the computation once a newer request (or a cancel)
// has moved the generation on.
class GenerationProgress : public ProgressReporter {
 public:
  GenerationProgress(LayerMapWorker* w, const std::atomic<quint64>& latest, quint64 mine)
      : w_(w), latest_(latest), mine_(mine) {}
  bool report(const ProgressEvent& e) override {
    if (latest_.load() != mine_) return false;
    Q_EMIT w_->progress(e.done, e.total);
    return true;
  }

 private:
  LayerMapWorker* w_;
  const std::atomic<quint64>& latest_;
  quint64 mine_;
};

// What identifies a run folder's state: the folder, the linear, and its newest checkpoint.
QString folder_key(const QString& run_dir, int layer, const QString& linear) {
  const auto run = quant::RunFolder::open(run_dir.toStdString());
  const bool final = std::filesystem::exists(run.snapshot_path("quantized.ckpt"));
  return QString("%1|%2|%3|%4|%5")
      .arg(run_dir)
      .arg(layer)
      .arg(linear, QString::fromStdString(run.latest_checkpoint()))
      .arg(final);
}

}  // namespace

LayerMapWorker::LayerMapWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<LayerMapRequest>();
  qRegisterMetaType<widgets::LayerMapSnapshot>();
  qRegisterMetaType<TileRequest>();
  qRegisterMetaType<widgets::PosteriorSnapshot>();
}

LayerMapWorker::~LayerMapWorker() = default;

const quant::LinearState& LayerMapWorker::state(const QString& run_dir, int layer, const QString& linear) {
  if (run_dir.isEmpty()) {
    auto session = training_ ? training_->session() : nullptr;
    BCJR_CHECK(session, "no BCJR-QAT run is going: start one, or open a run folder for its layer map");
    cached_ = std::make_unique<quant::LinearState>(session->linear_state(layer, linear.toStdString()));
    cached_key_.clear();  // a live run moves on: never reuse it
    return *cached_;
  }
  const QString key = folder_key(run_dir, layer, linear);
  if (!cached_ || cached_key_ != key) {
    cached_.reset();
    cached_ = std::make_unique<quant::LinearState>(
        quant::linear_state_from_run(run_dir.toStdString(), layer, linear.toStdString()));
    cached_key_ = key;
  }
  return *cached_;
}

void LayerMapWorker::compute(const LayerMapRequest& r) {
  if (r.generation != latest_.load()) return;  // superseded while queued
  try {
    const quant::LinearState& s = state(r.run_dir, r.layer, r.linear);
    GenerationProgress progress(this, latest_, r.generation);
    quant::LayerMapOptions o;
    o.metric = quant::parse_layer_map_metric(r.metric.toStdString());
    o.T = r.T;
    o.progress = &progress;
    const quant::LayerMap m = quant::layer_map(s, o);
    widgets::LayerMapSnapshot snap;
    snap.label = QString("layer %1 %2, %3").arg(r.layer).arg(r.linear, QString::fromStdString(s.what));
    if (!r.run_dir.isEmpty()) snap.label += QString(" (%1)").arg(r.run_dir.section('/', -1));
    snap.metric = r.metric;
    snap.unit = QString::fromStdString(m.unit);
    snap.layer = r.layer;
    snap.linear = r.linear;
    snap.tile_rows = int(m.tile_rows);
    snap.tile_cols = int(m.tile_cols);
    snap.values = QVector<double>(m.values.begin(), m.values.end());
    snap.T = m.T;
    snap.method = QString::fromStdString(m.method);
    Q_EMIT ready(snap);
  } catch (const Cancelled&) {
    Q_EMIT cancelled();
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromStdString(e.what()).section('\n', 0, 0));
  }
}

void LayerMapWorker::computePosterior(const TileRequest& r) {
  if (r.generation < latest_posterior_.load()) return;  // superseded while queued
  try {
    const quant::LinearState& s = state(r.run_folder, r.run_layer, r.run_linear);
    Q_EMIT posteriorReady(posterior_snapshot(quant::linear_tile_posterior(s, r.run_tile, r.T)));
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromStdString(e.what()).section('\n', 0, 0));
  }
}

}  // namespace bcjr::studio
