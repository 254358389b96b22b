#include "app/studio/posterior_tab.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "widgets/posterior_view.h"

namespace bcjr::studio {

namespace {
// The slider runs over log10 T in [-2.5, 0.5] in steps of 0.01.
constexpr double kLogTMin = -2.5, kLogTMax = 0.5;
}  // namespace

PosteriorTab::PosteriorTab(EngineWorker* worker, QWidget* parent)
    : QWidget(parent), worker_(worker), view_(new widgets::PosteriorView) {
  t_slider_ = new QSlider(Qt::Horizontal);
  t_slider_->setRange(int(kLogTMin * 100), int(kLogTMax * 100));
  t_slider_->setObjectName("temperatureSlider");
  t_label_ = new QLabel;
  t_label_->setMinimumWidth(90);
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

  source_combo_ = new QComboBox;
  source_combo_->addItems({tr("Gaussian tile"), tr("training run")});
  source_combo_->setObjectName("posteriorSource");
  layer_spin_ = new QSpinBox;
  layer_spin_->setRange(0, 1000);
  layer_spin_->setValue(4);
  linear_combo_ = new QComboBox;
  linear_combo_->addItems({"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"});
  tile_spin_ = new QSpinBox;
  tile_spin_->setRange(0, 1 << 24);
  auto* run_bar = new QHBoxLayout;
  run_bar->addWidget(new QLabel(tr("source")));
  run_bar->addWidget(source_combo_);
  run_bar->addWidget(new QLabel(tr("layer")));
  run_bar->addWidget(layer_spin_);
  run_bar->addWidget(linear_combo_);
  run_bar->addWidget(new QLabel(tr("tile")));
  run_bar->addWidget(tile_spin_);
  run_bar->addStretch(1);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("T")));
  bar->addWidget(t_slider_, 1);
  bar->addWidget(t_label_);
  bar->addWidget(new QLabel(tr("L")));
  bar->addWidget(l_spin_);
  bar->addWidget(new QLabel(tr("code")));
  bar->addWidget(code_combo_);
  bar->addWidget(boundary_combo_);
  bar->addWidget(new QLabel(tr("tile seed")));
  bar->addWidget(seed_spin_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addLayout(run_bar);
  layout->addWidget(view_, 1);

  coalesce_.setSingleShot(true);
  coalesce_.setInterval(40);
  connect(&coalesce_, &QTimer::timeout, this, &PosteriorTab::send);
  connect(t_slider_, &QSlider::valueChanged, this, [this] { scheduleUpdate(); });
  connect(l_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(seed_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(code_combo_, &QComboBox::currentTextChanged, this, [this] { scheduleUpdate(); });
  connect(boundary_combo_, &QComboBox::currentTextChanged, this, [this] { scheduleUpdate(); });
  connect(source_combo_, &QComboBox::currentIndexChanged, this, [this] { scheduleUpdate(); });
  connect(layer_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(linear_combo_, &QComboBox::currentTextChanged, this, [this] { scheduleUpdate(); });
  connect(tile_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { scheduleUpdate(); });
  connect(this, &PosteriorTab::requestPosterior, worker_, &EngineWorker::computePosterior, Qt::QueuedConnection);
  connect(worker_, &EngineWorker::posteriorReady, view_, &widgets::PosteriorView::setSnapshot);
  setTemperature(0.1);
  scheduleUpdate();
}

double PosteriorTab::temperature() const { return std::pow(10.0, t_slider_->value() / 100.0); }

void PosteriorTab::setTemperature(double T) {
  t_slider_->setValue(int(std::lround(std::log10(T) * 100)));
  t_label_->setText(QString("T = %1").arg(temperature(), 0, 'g', 3));
}

TileRequest PosteriorTab::currentRequest() const {
  TileRequest r;
  r.L = l_spin_->value();
  r.code = code_combo_->currentText();
  r.V = r.code == "hyb" ? 2 : 1;
  r.boundary = boundary_combo_->currentText();
  r.T = temperature();
  r.seed = quint64(seed_spin_->value());
  if (source_combo_->currentIndex() == 1) {
    r.run_layer = layer_spin_->value();
    r.run_linear = linear_combo_->currentText();
    r.run_tile = tile_spin_->value();
  }
  return r;
}

void PosteriorTab::refresh() {
  if (source_combo_->currentIndex() == 1) scheduleUpdate();
}

void PosteriorTab::scheduleUpdate() {
  t_label_->setText(QString("T = %1").arg(temperature(), 0, 'g', 3));
  coalesce_.start();
}

void PosteriorTab::send() {
  TileRequest r = currentRequest();
  r.generation = worker_->nextGeneration();
  Q_EMIT requestPosterior(r);
}

}  // namespace bcjr::studio
