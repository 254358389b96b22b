#include "app/studio/posterior_tab.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "app/studio/layer_map_worker.h"
#include "widgets/linear_names.h"
#include "widgets/log_slider.h"
#include "widgets/posterior_view.h"

namespace bcjr::studio {

namespace {
// The slider runs over log10 T in [-2.5, 0.5].
const double kTMin = std::pow(10.0, -2.5), kTMax = std::pow(10.0, 0.5);
}  // namespace

PosteriorTab::PosteriorTab(EngineWorker* worker, QWidget* parent)
    : QWidget(parent), worker_(worker), view_(new widgets::PosteriorView) {
  t_slider_ = new widgets::LogSlider(kTMin, kTMax);
  t_slider_->setObjectName("temperatureSlider");
  t_slider_->setToolTip(tr("Temperature T of the BCJR distribution, on a log scale"));
  t_label_ = new QLabel;
  t_label_->setMinimumWidth(90);
  follow_ = new QCheckBox(tr("follow the run's T"));
  follow_->setObjectName("followRunT");
  follow_->setToolTip(tr("Show the posterior at the temperature of the step the run finished last"));

  source_combo_ = new QComboBox;
  source_combo_->addItems({tr("Gaussian tile"), tr("tile of the running run"), tr("tile of a run folder")});
  source_combo_->setObjectName("posteriorSource");

  gaussian_box_ = new QGroupBox(tr("Gaussian tile: its own trellis"));
  l_spin_ = new QSpinBox;
  l_spin_->setRange(4, 16);
  l_spin_->setValue(12);
  l_spin_->setToolTip(tr("State bits L (the paper uses 16; 12 redraws faster)"));
  seed_spin_ = new QSpinBox;
  seed_spin_->setRange(0, 1 << 30);
  seed_spin_->setToolTip(tr("Seed of the Gaussian tile"));
  code_combo_ = new QComboBox;
  code_combo_->addItems({"hyb", "1mad", "3inst"});
  boundary_combo_ = new QComboBox;
  boundary_combo_->addItems({"tailbiting", "free"});
  auto* g = new QHBoxLayout(gaussian_box_);
  g->setContentsMargins(6, 2, 6, 2);
  g->addWidget(new QLabel(tr("L")));
  g->addWidget(l_spin_);
  g->addWidget(new QLabel(tr("code")));
  g->addWidget(code_combo_);
  g->addWidget(new QLabel(tr("boundary")));
  g->addWidget(boundary_combo_);
  g->addWidget(new QLabel(tr("seed")));
  g->addWidget(seed_spin_);
  g->addStretch(1);

  run_box_ = new QGroupBox(tr("Tile of a run: the run's trellis"));
  layer_spin_ = new QSpinBox;
  layer_spin_->setRange(0, 1000);
  layer_spin_->setValue(4);
  linear_combo_ = new QComboBox;
  linear_combo_->addItems(widgets::linear_names());
  tile_spin_ = new QSpinBox;
  tile_spin_->setRange(0, 1 << 24);
  tile_spin_->setObjectName("runTile");
  run_label_ = new QLabel;
  run_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* r = new QHBoxLayout(run_box_);
  r->setContentsMargins(6, 2, 6, 2);
  r->addWidget(new QLabel(tr("layer")));
  r->addWidget(layer_spin_);
  r->addWidget(linear_combo_);
  r->addWidget(new QLabel(tr("tile")));
  r->addWidget(tile_spin_);
  r->addWidget(run_label_, 1);

  auto* t_bar = new QHBoxLayout;
  t_bar->addWidget(new QLabel(tr("T")));
  t_bar->addWidget(t_slider_, 1);
  t_bar->addWidget(t_label_);
  t_bar->addWidget(follow_);
  t_bar->addSpacing(12);
  t_bar->addWidget(new QLabel(tr("Tile")));
  t_bar->addWidget(source_combo_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(t_bar);
  layout->addWidget(gaussian_box_);
  layout->addWidget(run_box_);
  layout->addWidget(view_, 1);

  coalesce_.setSingleShot(true);
  coalesce_.setInterval(40);
  connect(&coalesce_, &QTimer::timeout, this, &PosteriorTab::send);
  connect(t_slider_, &widgets::LogSlider::valueChanged, this, [this] { scheduleUpdate(); });
  connect(follow_, &QCheckBox::toggled, this, [this](bool on) {
    t_slider_->setEnabled(!on);
    if (on && run_T_ > 0) t_slider_->setValue(run_T_);
    scheduleUpdate();
  });
  connect(l_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(seed_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(code_combo_, &QComboBox::currentTextChanged, this, [this] { scheduleUpdate(); });
  connect(boundary_combo_, &QComboBox::currentTextChanged, this, [this] { scheduleUpdate(); });
  connect(source_combo_, &QComboBox::currentIndexChanged, this, &PosteriorTab::sourceChanged);
  connect(layer_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(linear_combo_, &QComboBox::currentTextChanged, this, [this] { scheduleUpdate(); });
  connect(tile_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(this, &PosteriorTab::requestPosterior, worker_, &EngineWorker::computePosterior, Qt::QueuedConnection);
  connect(worker_, &EngineWorker::posteriorReady, view_, &widgets::PosteriorView::setSnapshot);
  setTemperature(0.1);
  sourceChanged();
}

void PosteriorTab::setRunFolderWorker(LayerMapWorker* w) {
  folder_worker_ = w;
  connect(this, &PosteriorTab::requestFolderPosterior, w, &LayerMapWorker::computePosterior, Qt::QueuedConnection);
  connect(w, &LayerMapWorker::posteriorReady, view_, &widgets::PosteriorView::setSnapshot);
}

PosteriorTab::Source PosteriorTab::source() const { return Source(source_combo_->currentIndex()); }
bool PosteriorTab::followsRun() const { return follow_->isChecked(); }
void PosteriorTab::setFollowRun(bool follow) { follow_->setChecked(follow); }

double PosteriorTab::temperature() const {
  return follow_->isChecked() && run_T_ > 0 ? run_T_ : t_slider_->value();
}

void PosteriorTab::setTemperature(double T) {
  t_slider_->setValue(T);
  t_label_->setText(QString("T = %1").arg(temperature(), 0, 'g', 3));
}

void PosteriorTab::setRunTemperature(double T) {
  run_T_ = T;
  if (!follow_->isChecked()) return;
  QSignalBlocker block(t_slider_);
  t_slider_->setValue(T);
  scheduleUpdate();
}

void PosteriorTab::sourceChanged() {
  if (source() == RunFolder && run_folder_.isEmpty()) {  // only the layer map opens a folder's tile
    source_combo_->setCurrentIndex(LiveRun);
    return;
  }
  const Source s = source();
  gaussian_box_->setEnabled(s == GaussianTile);
  run_box_->setEnabled(s != GaussianTile);
  run_label_->setText(s == RunFolder ? tr("from %1").arg(run_folder_) : s == LiveRun ? tr("live") : QString());
  scheduleUpdate();
}

void PosteriorTab::showRunTile(int layer, const QString& linear, int tile, const QString& run_dir) {
  run_folder_ = run_dir;
  {
    QSignalBlocker b1(layer_spin_), b2(linear_combo_), b3(tile_spin_), b4(source_combo_);
    layer_spin_->setValue(layer);
    linear_combo_->setCurrentText(linear);
    tile_spin_->setValue(tile);
    source_combo_->setCurrentIndex(run_dir.isEmpty() ? LiveRun : RunFolder);
  }
  sourceChanged();
}

TileRequest PosteriorTab::currentRequest() const {
  TileRequest r;
  r.L = l_spin_->value();
  r.code = code_combo_->currentText();
  r.V = r.code == "hyb" ? 2 : 1;
  r.boundary = boundary_combo_->currentText();
  r.T = temperature();
  r.seed = quint64(seed_spin_->value());
  if (source() != GaussianTile) {
    r.run_layer = layer_spin_->value();
    r.run_linear = linear_combo_->currentText();
    r.run_tile = tile_spin_->value();
    if (source() == RunFolder) r.run_folder = run_folder_;
  }
  return r;
}

void PosteriorTab::refresh() {
  if (source() == LiveRun) scheduleUpdate();
}

void PosteriorTab::scheduleUpdate() {
  t_label_->setText(QString("T = %1").arg(temperature(), 0, 'g', 3));
  coalesce_.start();
}

void PosteriorTab::send() {
  TileRequest r = currentRequest();
  if (!r.run_folder.isEmpty()) {
    if (!folder_worker_) return;
    r.generation = folder_worker_->nextPosteriorGeneration();
    Q_EMIT requestFolderPosterior(r);
    return;
  }
  r.generation = worker_->nextGeneration();
  Q_EMIT requestPosterior(r);
}

}  // namespace bcjr::studio
