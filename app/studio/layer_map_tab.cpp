#include "app/studio/layer_map_tab.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "widgets/linear_names.h"
#include "widgets/layer_map_view.h"

namespace bcjr::studio {

LayerMapTab::LayerMapTab(TrainingWorker* training, QWidget* parent)
    : QWidget(parent), worker_(new LayerMapWorker), view_(new widgets::LayerMapView) {
  view_->setObjectName("layerMapView");
  worker_->setTrainingWorker(training);
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.start();

  source_ = new QComboBox;
  source_->setObjectName("layerMapSource");
  source_->addItem(tr("the running run"));
  auto* open = new QPushButton(tr("Open run folder…"));
  connect(open, &QPushButton::clicked, this, &LayerMapTab::openFolder);
  connect(source_, qOverload<int>(&QComboBox::activated), this, [this](int i) {
    run_dir_ = i == 0 ? QString() : source_->itemData(i).toString();
  });
  layer_ = new QSpinBox;
  layer_->setRange(0, 1000);
  layer_->setValue(4);
  linear_ = new QComboBox;
  linear_->addItems(widgets::linear_names());
  metric_ = new QComboBox;
  metric_->setObjectName("layerMapMetric");
  metric_->addItem(tr("quantisation error"), "error");
  metric_->addItem(tr("flips since PTQ"), "flips");
  metric_->addItem(tr("posterior entropy at T"), "entropy");
  metric_->setCurrentIndex(1);
  T_ = new QDoubleSpinBox;
  T_->setDecimals(4);
  T_->setRange(1e-3, 10);
  T_->setSingleStep(0.01);
  T_->setValue(0.1);
  T_->setToolTip(tr("Temperature of the posterior entropy (follows the run's T until you type one)"));
  connect(T_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this] { user_T_ = true; });
  compute_ = new QPushButton(tr("Compute"));
  compute_->setObjectName("layerMapCompute");
  connect(compute_, &QPushButton::clicked, this, &LayerMapTab::compute);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setEnabled(false);
  connect(cancel_, &QPushButton::clicked, this, &LayerMapTab::cancel);
  auto* most_flips = new QPushButton(tr("Tile with the most flips"));
  most_flips->setObjectName("mostFlips");
  connect(most_flips, &QPushButton::clicked, this, &LayerMapTab::showMostFlips);
  auto* max_entropy = new QPushButton(tr("Tile with the highest entropy"));
  max_entropy->setObjectName("highestEntropy");
  connect(max_entropy, &QPushButton::clicked, this, &LayerMapTab::showHighestEntropy);
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(160);
  progress_->setVisible(false);
  status_ = new QLabel(tr("Click a tile to open it in the Posterior view."));

  auto* row1 = new QHBoxLayout;
  row1->addWidget(new QLabel(tr("Run")));
  row1->addWidget(source_, 1);
  row1->addWidget(open);
  row1->addSpacing(12);
  row1->addWidget(new QLabel(tr("layer")));
  row1->addWidget(layer_);
  row1->addWidget(linear_);
  auto* row2 = new QHBoxLayout;
  row2->addWidget(metric_);
  row2->addWidget(new QLabel(tr("T")));
  row2->addWidget(T_);
  row2->addWidget(compute_);
  row2->addWidget(cancel_);
  row2->addWidget(progress_);
  row2->addStretch(1);
  auto* row3 = new QHBoxLayout;
  row3->addWidget(most_flips);
  row3->addWidget(max_entropy);
  row3->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row1);
  layout->addLayout(row2);
  layout->addLayout(row3);
  layout->addWidget(status_);
  layout->addWidget(view_, 1);

  connect(worker_, &LayerMapWorker::ready, this, &LayerMapTab::mapReady);
  connect(worker_, &LayerMapWorker::progress, this, [this](qint64 done, qint64 total) {
    progress_->setRange(0, int(std::max<qint64>(1, total)));
    progress_->setValue(int(done));
  });
  auto idle = [this] {
    compute_->setEnabled(true);
    cancel_->setEnabled(false);
    progress_->setVisible(false);
  };
  connect(worker_, &LayerMapWorker::cancelled, this, [this, idle] {
    idle();
    status_->setText(tr("Cancelled."));
  });
  connect(worker_, &LayerMapWorker::failed, this, [this, idle](const QString& m) {
    idle();
    pending_maximum_.clear();
    status_->setText(tr("Layer map: %1").arg(m));
    Q_EMIT message(tr("layer map: %1").arg(m));
  });
  connect(view_, &widgets::LayerMapView::tileClicked, this, [this](int tile) {
    const auto& s = view_->snapshot();
    Q_EMIT openTile(s.layer, s.linear, tile, run_dir_);
  });
}

LayerMapTab::~LayerMapTab() {
  worker_->cancel();
  thread_.quit();
  thread_.wait();
}

LayerMapRequest LayerMapTab::currentRequest() const {
  LayerMapRequest r;
  r.run_dir = run_dir_;
  r.layer = layer_->value();
  r.linear = linear_->currentText();
  r.metric = metric_->currentData().toString();
  r.T = T_->value();
  return r;
}

void LayerMapTab::setRunFolder(const QString& dir) {
  run_dir_ = dir;
  if (dir.isEmpty()) {
    source_->setCurrentIndex(0);
    return;
  }
  int i = source_->findData(dir);
  if (i < 0) {
    source_->addItem(dir.section('/', -1), dir);
    i = source_->count() - 1;
  }
  source_->setCurrentIndex(i);
}

void LayerMapTab::setLinear(int layer, const QString& linear) {
  layer_->setValue(layer);
  linear_->setCurrentText(linear);
}

void LayerMapTab::setMetric(const QString& metric) { metric_->setCurrentIndex(std::max(0, metric_->findData(metric))); }

void LayerMapTab::setTemperature(double T) {
  T_->setValue(T);
  user_T_ = true;
}

void LayerMapTab::setRunTemperature(double T) {
  if (user_T_) return;
  QSignalBlocker block(T_);
  T_->setValue(T);
}

void LayerMapTab::openFolder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open run folder"), run_dir_);
  if (!dir.isEmpty()) setRunFolder(dir);
}

void LayerMapTab::compute() {
  LayerMapRequest r = currentRequest();
  r.generation = worker_->nextGeneration();
  compute_->setEnabled(false);
  cancel_->setEnabled(true);
  progress_->setVisible(true);
  progress_->setRange(0, 0);
  status_->setText(tr("Computing the %1 of layer %2 %3…").arg(metric_->currentText()).arg(r.layer).arg(r.linear));
  QMetaObject::invokeMethod(worker_, [w = worker_, r] { w->compute(r); }, Qt::QueuedConnection);
}

void LayerMapTab::cancel() {
  pending_maximum_.clear();
  worker_->cancel();
}

void LayerMapTab::showMostFlips() { showMaximum("flips"); }
void LayerMapTab::showHighestEntropy() { showMaximum("entropy"); }

void LayerMapTab::showMaximum(const QString& metric) {
  const auto& s = view_->snapshot();
  const LayerMapRequest want = [&] {
    LayerMapRequest r = currentRequest();
    r.metric = metric;
    return r;
  }();
  setMetric(metric);
  pending_maximum_ = metric;
  const bool have = s.valid() && s.metric == metric && s.layer == want.layer && s.linear == want.linear &&
                    (metric != "entropy" || s.T == want.T);
  if (have) mapReady(s);
  else compute();
}

void LayerMapTab::mapReady(const widgets::LayerMapSnapshot& s) {
  compute_->setEnabled(true);
  cancel_->setEnabled(false);
  progress_->setVisible(false);
  if (&s != &view_->snapshot()) view_->setSnapshot(s);
  status_->setText(tr("%1 (%2). Click a tile to open it in the Posterior view.").arg(s.label, s.method));
  if (pending_maximum_.isEmpty() || pending_maximum_ != s.metric) return;
  pending_maximum_.clear();
  const int best = int(std::max_element(s.values.begin(), s.values.end()) - s.values.begin());
  view_->highlightTile(best);
  status_->setText(tr("Tile %1 has the largest value, %2: opened in the Posterior view.")
                       .arg(best)
                       .arg(s.values[best], 0, 'g', 4));
  Q_EMIT openTile(s.layer, s.linear, best, run_dir_);
}

}  // namespace bcjr::studio
