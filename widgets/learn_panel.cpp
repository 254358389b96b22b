#include "widgets/learn_panel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <cmath>

#include "widgets/guided_tour.h"
#include "widgets/spin_chain_view.h"
#include "widgets/thermodynamics_plot.h"
#include "widgets/transfer_matrix_view.h"
#include "widgets/trellis_diagram.h"

namespace bcjr::widgets {

namespace {
constexpr int kSliderPerDecade = 100;  // slider units per factor of 10 in T

QLabel* caption(const QString& text) { return new QLabel(text); }
}  // namespace

LearnPanel::LearnPanel(QWidget* parent)
    : QWidget(parent), t_slider_(new QSlider(Qt::Horizontal)), t_label_(new QLabel), l_spin_(new QSpinBox),
      k_spin_(new QSpinBox), n_spin_(new QSpinBox), step_spin_(new QSpinBox), code_combo_(new QComboBox),
      boundary_combo_(new QComboBox), new_tile_(new QPushButton(tr("New tile"))), info_(new QLabel),
      trellis_(new TrellisDiagram), chain_(new SpinChainView), curves_(new ThermodynamicsPlot),
      matrix_(new TransferMatrixView), tour_(new GuidedTour) {
  t_slider_->setObjectName("learnTemperature");
  t_slider_->setRange(int(std::lround(std::log10(kMinT) * kSliderPerDecade)),
                      int(std::lround(std::log10(kMaxT) * kSliderPerDecade)));
  t_slider_->setPageStep(kSliderPerDecade / 2);
  t_slider_->setToolTip(tr("Temperature T, on a log scale from 0.001 to 10"));
  t_label_->setMinimumWidth(t_label_->fontMetrics().horizontalAdvance("T = 0.00123"));
  l_spin_->setObjectName("learnL");
  l_spin_->setRange(2, 8);
  l_spin_->setValue(4);
  l_spin_->setToolTip(tr("L: state bits; the trellis has 2^L states"));
  k_spin_->setObjectName("learnK");
  k_spin_->setRange(1, 2);
  k_spin_->setToolTip(tr("k: bits per weight"));
  code_combo_->setObjectName("learnCode");
  code_combo_->addItems({"1mad", "3inst", "hyb"});
  code_combo_->setToolTip(tr("The code: 1mad and 3inst emit one weight per step, hyb two"));
  n_spin_->setObjectName("learnN");
  n_spin_->setRange(1, 32);
  n_spin_->setValue(12);
  n_spin_->setToolTip(tr("n: weights in the tile (at most 32: every path is summed exactly)"));
  boundary_combo_->setObjectName("learnBoundary");
  boundary_combo_->addItems({tr("free"), tr("tail-biting")});
  boundary_combo_->setToolTip(tr("free: any first and last state; tail-biting: the path closes into a ring"));
  new_tile_->setObjectName("learnNewTile");
  new_tile_->setToolTip(tr("Draw a new Gaussian tile (0.9 x the codebook's RMS)"));
  step_spin_->setObjectName("learnStep");
  step_spin_->setToolTip(tr("The step whose transfer matrix is shown and whose window is outlined"));
  info_->setObjectName("learnInfo");
  info_->setWordWrap(true);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  trellis_->setObjectName("learnTrellis");
  chain_->setObjectName("learnChain");
  curves_->setObjectName("learnCurves");
  matrix_->setObjectName("learnMatrix");
  tour_->setObjectName("learnTour");

  auto* bar = new QHBoxLayout;
  bar->addWidget(caption(tr("T")));
  bar->addWidget(t_slider_, 1);
  bar->addWidget(t_label_);
  bar->addSpacing(8);
  for (auto [name, w] : std::initializer_list<std::pair<QString, QWidget*>>{{tr("L"), l_spin_},
                                                                          {tr("k"), k_spin_},
                                                                          {tr("code"), code_combo_},
                                                                          {tr("n"), n_spin_},
                                                                          {QString(), boundary_combo_},
                                                                          {QString(), new_tile_},
                                                                          {tr("step"), step_spin_}}) {
    if (!name.isEmpty()) bar->addWidget(caption(name));
    bar->addWidget(w);
  }
  auto* left = new QSplitter(Qt::Vertical);
  left->addWidget(trellis_);
  left->addWidget(chain_);
  left->setSizes({600, 330});
  auto* middle = new QSplitter(Qt::Vertical);
  middle->addWidget(curves_);
  middle->addWidget(matrix_);
  middle->setSizes({560, 370});
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(left);
  split->addWidget(middle);
  split->addWidget(tour_);
  split->setStretchFactor(0, 5);
  split->setStretchFactor(1, 4);
  split->setStretchFactor(2, 3);
  split->setSizes({400, 350, 250});
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(info_);
  layout->addWidget(split, 1);

  coalesce_.setSingleShot(true);
  coalesce_.setInterval(30);
  connect(&coalesce_, &QTimer::timeout, this, [this] { Q_EMIT requestChanged(request()); });
  connect(t_slider_, &QSlider::valueChanged, this, [this] {
    t_label_->setText(tr("T = %1").arg(temperature(), 0, 'g', 3));
    scheduleRequest();
  });
  // A new L, n or code needs a new tile (its scale follows the codebook); k and the boundary keep it.
  for (QSpinBox* s : {l_spin_, n_spin_})
    connect(s, qOverload<int>(&QSpinBox::valueChanged), this, &LearnPanel::shapeChanged);
  connect(code_combo_, &QComboBox::currentTextChanged, this, &LearnPanel::shapeChanged);
  connect(k_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int k) {
    l_spin_->setMinimum(std::max(2, k * request().V));
    scheduleRequest();
  });
  connect(boundary_combo_, &QComboBox::currentIndexChanged, this, &LearnPanel::scheduleRequest);
  connect(new_tile_, &QPushButton::clicked, this, &LearnPanel::newTile);
  connect(step_spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int t) {
    trellis_->setHighlightedStep(t);
    chain_->setHighlightedStep(t);
    scheduleRequest();
  });
  connect(trellis_, &TrellisDiagram::weightsEdited, this, [this](const QVector<float>& w) {
    weights_ = w;
    scheduleRequest();
  });
  connect(tour_, &GuidedTour::actionRequested, this, &LearnPanel::performAction);
  setTemperature(0.1);
  shapeChanged();
}

double LearnPanel::temperature() const { return std::pow(10.0, double(t_slider_->value()) / kSliderPerDecade); }

void LearnPanel::setTemperature(double T) {
  T = std::clamp(T, kMinT, kMaxT);
  t_slider_->setValue(int(std::lround(std::log10(T) * kSliderPerDecade)));
  t_label_->setText(tr("T = %1").arg(temperature(), 0, 'g', 3));
}

void LearnPanel::setStep(int t) { step_spin_->setValue(t); }

ChainRequest LearnPanel::request() const {
  ChainRequest r;
  r.L = l_spin_->value();
  r.k = k_spin_->value();
  r.code = code_combo_->currentText();
  r.V = r.code == "hyb" ? 2 : 1;
  r.n = n_spin_->value();
  r.tailbiting = boundary_combo_->currentIndex() == 1;
  r.weights = weights_;
  r.seed = seed_;
  r.T = temperature();
  r.matrix_step = step_spin_->value();
  return r;
}

void LearnPanel::scheduleRequest() { coalesce_.start(); }

void LearnPanel::shapeChanged() {
  // Keep the shape legal: n a multiple of V, kV <= L.
  const int V = code_combo_->currentText() == "hyb" ? 2 : 1;
  l_spin_->setMinimum(std::max(2, k_spin_->value() * V));
  n_spin_->setSingleStep(V);
  n_spin_->setMinimum(V);
  if (n_spin_->value() % V) n_spin_->setValue(n_spin_->value() - n_spin_->value() % V);
  step_spin_->setMaximum(std::max(0, n_spin_->value() / V - 1));
  weights_.clear();
  scheduleRequest();
}

void LearnPanel::newTile() {
  ++seed_;
  weights_.clear();
  scheduleRequest();
}

void LearnPanel::performAction(const QString& action) {
  const QString key = action.section('=', 0, 0), value = action.section('=', 1);
  if (key == "T") setTemperature(value.toDouble());
  else if (key == "step") setStep(value.toInt());
  else if (key == "boundary") boundary_combo_->setCurrentIndex(value == "tailbiting" ? 1 : 0);
  else if (key == "tile") newTile();
}

void LearnPanel::setSnapshot(const ChainSnapshot& s) {
  const ChainRequest now = request();
  // A tile the engine drew for our seed becomes ours to drag.
  if (weights_.isEmpty() && s.request.seed == seed_ && s.request.L == now.L && s.request.n == now.n &&
      s.request.V == now.V && s.request.code == now.code)
    weights_ = s.request.weights;
  snap_ = s;
  trellis_->setSnapshot(s);
  trellis_->setHighlightedStep(step_spin_->value());
  chain_->setSnapshot(s);
  chain_->setHighlightedStep(step_spin_->value());
  curves_->setCurves(s.curves);
  curves_->setTemperature(s.request.T);
  matrix_->setSnapshot(s);
  updateInfo();
}

void LearnPanel::showError(const QString& message) {
  info_->setStyleSheet("color: #b00000;");
  info_->setText(message);
}

void LearnPanel::updateInfo() {
  info_->setStyleSheet(QString());
  const ChainSnapshot& s = snap_;
  info_->setToolTip(s.description);
  info_->setText(tr("<b>T = %1</b>: log Z = %2, F = %3, &lt;E&gt; = %4, S = %5, C = %6; ground state (Viterbi) "
                    "E* = %7; %8 states × %9 steps, %10 edges per state")
                     .arg(s.request.T, 0, 'g', 3)
                     .arg(s.log_z, 0, 'g', 4)
                     .arg(s.free_energy, 0, 'g', 4)
                     .arg(s.energy, 0, 'g', 4)
                     .arg(s.entropy, 0, 'g', 3)
                     .arg(s.heat_capacity, 0, 'g', 3)
                     .arg(s.ground_energy, 0, 'g', 4)
                     .arg(s.states)
                     .arg(s.steps)
                     .arg(s.symbols));
}

}  // namespace bcjr::widgets
