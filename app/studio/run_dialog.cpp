// LibTorch-facing engine headers first: Qt's `slots` macro must not be defined while they parse.
#include "engine/model/model_loader.h"

#include "app/studio/run_dialog.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStringList>
#include <QThread>
#include <QVBoxLayout>
#include <cmath>
#include <iterator>

#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/quant/qat_presets.h"

namespace bcjr::studio {

namespace {

// Bytes per token of the default tokenizer on English prose (Moby Dick: 1,257,274 bytes give
// 337,695 tokens): the dialog's guess at how many tokens a text holds, without tokenising it.
constexpr double kBytesPerToken = 3.72;

QSpinBox* spin(int lo, int hi, int value) {
  auto* s = new QSpinBox;
  s->setRange(lo, hi);
  s->setValue(value);
  return s;
}

QString seconds_text(double s) {
  if (!std::isfinite(s)) return QObject::tr("?");
  if (s < 1) return QObject::tr("%1 s").arg(s, 0, 'f', 2);
  if (s < 120) return QObject::tr("%1 s").arg(s, 0, 'f', 0);
  if (s < 7200) return QObject::tr("%1 min").arg(s / 60, 0, 'f', 1);
  return QObject::tr("%1 h").arg(s / 3600, 0, 'f', 1);
}

// Boundary choices: boundary and tail-biting BCJR method.
struct BoundaryChoice {
  const char* label;
  const char* boundary;
  const char* method;
};
const BoundaryChoice kBoundaries[] = {
    {"tail-biting, auto (exact where 2^(L-kV) <= 256)", "tailbiting", "auto"},
    {"tail-biting, fixed overlap (hard Viterbi's)", "tailbiting", "fixed-overlap"},
    {"tail-biting, exact (2^(L-kV) sweeps per tile)", "tailbiting", "exact"},
    {"free (no tail-biting: no packed export)", "free", "auto"},
};

}  // namespace

RunDialog::RunDialog(const QString& model, const QString& data, QWidget* parent)
    : QDialog(parent), model_(model), data_(data) {
  setWindowTitle(tr("Start BCJR-QAT"));
  const quant::QatConfig defaults;
  preset_ = new QComboBox;
  preset_->setObjectName("runPreset");
  // The dialog's names for the engine's presets (engine/quant/qat_presets.h).
  preset_->addItem(tr("this program's defaults"), "default");
  preset_->addItem(tr("the paper's recipe"), "paper");
  preset_->addItem(tr("GPU: default model, one layer"), "gpu");
  preset_->addItem(tr("CPU demo (minutes on 2 cores)"), "cpu-demo");
  preset_->addItem(tr("custom"), "custom");
  preset_note_ = new QLabel;
  preset_note_->setObjectName("presetNote");
  preset_note_->setWordWrap(true);
  layers_ = new QLineEdit("4");
  layers_->setToolTip(tr("Decoder layers to quantise, e.g. 4 or 4,8"));
  mode_ = new QComboBox;
  mode_->addItems({"joint", "independent", "greedy"});
  ptq_ = new QComboBox;
  ptq_->addItems({"rht", "ldlq"});
  method_ = new QComboBox;
  method_->setObjectName("method");
  for (quant::QatMethod m : quant::all_qat_methods()) method_->addItem(quant::qat_method_name(m));
  method_->setToolTip(tr("bcjr: BCJR soft codeword at T, exact gradient (the paper's)\n"
                         "ste: hard Viterbi forward, identity backward\n"
                         "jacquant: hard Viterbi forward, learned slope b_g per tile (see the Slopes tab)\n"
                         "bbq, rtn: scalar baselines without the trellis, at the same bits per weight"));
  steps_ = spin(0, 100000, int(defaults.steps));
  code_ = new QComboBox;
  code_->addItems({"hyb", "1mad", "3inst"});
  L_ = spin(2, 16, defaults.quant.L);
  L_->setObjectName("stateBits");
  boundary_ = new QComboBox;
  boundary_->setObjectName("boundaryMethod");
  for (const auto& b : kBoundaries) boundary_->addItem(tr(b.label));
  boundary_->setToolTip(tr("Tail-biting makes storage exactly k bits per weight. Its BCJR is exact when it sums the "
                           "2^(L-kV) distributions conditioned on each overlap (as many sweeps per tile), or conditioned "
                           "on the overlap of the hard tail-biting Viterbi path (one sweep)."));
  seed_ = spin(0, 1 << 30, 0);
  window_ = spin(16, 1 << 16, int(defaults.window));
  calib_windows_ = spin(0, 4096, int(defaults.calib_windows));
  flips_every_ = spin(0, 100000, int(defaults.flips_every));
  flips_every_->setSpecialValueText(tr("never"));
  flips_every_->setToolTip(tr("Steps between codeword-flip counts (a tail-biting Viterbi of every trained linear)"));
  eval_every_ = spin(0, 100000, 0);
  eval_every_->setObjectName("evalEvery");
  eval_every_->setSpecialValueText(tr("never"));
  eval_every_->setToolTip(tr("Held-out perplexity of the student every N steps: the Perplexity view's curve"));
  eval_ctx_ = spin(16, 1 << 16, int(defaults.eval_ctx));
  eval_windows_ = spin(0, 100000, 0);
  eval_windows_->setObjectName("evalWindows");
  eval_windows_->setSpecialValueText(tr("all"));
  lr_ = new QDoubleSpinBox;
  lr_->setDecimals(6);
  lr_->setRange(0, 1);
  lr_->setSingleStep(1e-4);
  lr_->setValue(defaults.lr);
  lr_units_ = new QComboBox;
  lr_units_->setObjectName("lrUnits");
  lr_units_->addItems({"weight", "normalised"});
  lr_units_->setCurrentText(QString::fromStdString(defaults.lr_units));
  lr_units_->setToolTip(tr("weight: the paper's lr in the weights' units; normalised: each linear at lr x its PTQ "
                           "scale, so a step moves the trellis-domain weights by about lr"));
  device_ = new QComboBox;
  device_->setObjectName("device");
  device_->addItem("cpu");
  if (cuda_available()) {
    device_->addItem("cuda");
    device_->setCurrentText("cuda");  // where LibTorch sees a GPU, the run goes there unless changed
  }
  device_->setToolTip(cuda_available() ? tr("Where the model, W_latent and the trellis kernels run")
                                       : tr("This build's LibTorch has no CUDA device: CPU only"));
  device_->setEnabled(device_->count() > 1);
  run_dir_ = new QLineEdit(QString::fromStdString(bcjr_home()) + "/runs/" +
                           QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss"));
  cost_ = new QLabel;
  cost_->setObjectName("runCost");
  cost_->setWordWrap(true);
  cost_->setTextFormat(Qt::RichText);
  cost_->setMinimumWidth(340);
  cost_->setAlignment(Qt::AlignTop | Qt::AlignLeft);

  auto* form = new QFormLayout;
  form->addRow(tr("Preset"), preset_);
  form->addRow(preset_note_);
  form->addRow(tr("Layers"), layers_);
  form->addRow(tr("Multi-layer mode"), mode_);
  form->addRow(tr("Method"), method_);
  form->addRow(tr("PTQ initialisation"), ptq_);
  form->addRow(tr("Training steps"), steps_);
  form->addRow(tr("Code"), code_);
  form->addRow(tr("State bits L"), L_);
  form->addRow(tr("Boundary / BCJR"), boundary_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Learning-rate units"), lr_units_);
  form->addRow(tr("Calibration window"), window_);
  form->addRow(tr("Calibration windows (Hessians)"), calib_windows_);
  form->addRow(tr("Count flips every"), flips_every_);
  form->addRow(tr("Evaluate every N steps"), eval_every_);
  form->addRow(tr("Perplexity ctx"), eval_ctx_);
  form->addRow(tr("Perplexity windows"), eval_windows_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Device"), device_);
  form->addRow(tr("Run folder"), run_dir_);
  auto* cost_box = new QGroupBox(tr("What it costs"));
  auto* cost_layout = new QVBoxLayout(cost_box);
  cost_layout->addWidget(cost_);
  cost_layout->addStretch(1);
  auto* columns = new QHBoxLayout;
  columns->addLayout(form, 3);
  columns->addWidget(cost_box, 2);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(columns);
  layout->addWidget(buttons);

  // The model's shape prices the run; reading it needs only the file's header.
  try {
    model::LoadOptions o;
    o.load_tensors = false;
    model_config_ = model::load_model(model_.toStdString(), nullptr, o).config;
    have_model_config_ = true;
  } catch (const std::exception& e) {
    model_error_ = QString::fromStdString(e.what()).section('\n', 0, 0);
  }
  const QFileInfo text(QString::fromStdString(data == "default" ? resolve_text_path("default") : data.toStdString()));
  eval_tokens_ = text.exists() && !text.suffix().compare("npy", Qt::CaseInsensitive) ? text.size() / 8
                                                                                  : int64_t(text.size() / kBytesPerToken);

  for (QLineEdit* e : {layers_, run_dir_}) connect(e, &QLineEdit::textChanged, this, [this] { markCustom(); });
  for (QComboBox* c : {mode_, method_, ptq_, code_, boundary_, lr_units_, device_})
    connect(c, &QComboBox::currentIndexChanged, this, [this] { markCustom(); });
  for (QSpinBox* s : {steps_, L_, seed_, window_, calib_windows_, flips_every_, eval_every_, eval_ctx_, eval_windows_})
    connect(s, qOverload<int>(&QSpinBox::valueChanged), this, [this] { markCustom(); });
  connect(lr_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this] { markCustom(); });
  connect(preset_, qOverload<int>(&QComboBox::activated), this,
          [this] { applyPreset(preset_->currentData().toString()); });
  applyPreset(device_->count() > 1 ? "gpu" : "default");
}

void RunDialog::markCustom() {
  if (!applying_preset_ && preset() != "custom") {
    preset_->setCurrentIndex(preset_->findData("custom"));
    preset_note_->setText(tr("Custom: edited from a preset."));
    preset_schedule_.reset();
  }
  updateCost();
}

QString RunDialog::preset() const { return preset_->currentData().toString(); }

void RunDialog::setConfig(const quant::QatConfig& c) {
  QStringList layers;
  for (int64_t l : c.layers) layers << QString::number(l);
  layers_->setText(layers.join(','));
  mode_->setCurrentText(QString::fromStdString(c.multi_layer));
  ptq_->setCurrentText(QString::fromStdString(c.ptq_mode));
  method_->setCurrentText(quant::qat_method_name(c.method));
  steps_->setValue(int(c.steps));
  code_->setCurrentText(QString::fromStdString(c.quant.code));
  L_->setValue(c.quant.L);
  for (int i = 0; i < int(std::size(kBoundaries)); ++i)
    if (c.quant.boundary == kBoundaries[i].boundary &&
        (c.quant.boundary == "free" || c.quant.tailbiting_bcjr == kBoundaries[i].method))
      boundary_->setCurrentIndex(i);
  lr_->setValue(c.lr);
  lr_units_->setCurrentText(QString::fromStdString(c.lr_units));
  window_->setValue(int(c.window));
  calib_windows_->setValue(int(c.calib_windows));
  flips_every_->setValue(int(c.flips_every));
  eval_every_->setValue(int(c.eval_every));
  eval_ctx_->setValue(int(c.eval_ctx));
  eval_windows_->setValue(int(c.eval_windows));
  seed_->setValue(int(c.seed));
  // A preset for the GPU falls back to the CPU where this build has no CUDA device.
  device_->setCurrentText(device_->findText(QString::fromStdString(c.device)) >= 0 ? QString::fromStdString(c.device)
                                                                                   : "cpu");
}

void RunDialog::applyPreset(const QString& key) {
  applying_preset_ = true;
  preset_schedule_.reset();
  for (const auto& p : quant::qat_presets())
    if (QString::fromStdString(p.name) == key) {
      // A preset is a whole recipe over the defaults; the layers, the seed, the method and (unless
      // the preset names one) the device stay the user's (a preset sizes a run; comparing methods at one size is the point of the selector).
      quant::QatConfig c;
      try {
        const quant::QatConfig now = config();
        c.layers = now.layers;
        c.seed = now.seed;
        c.method = now.method;
        c.jacquant = now.jacquant;
        c.device = now.device;  // "gpu" and "cpu-demo" name their own
      } catch (const std::exception&) {
      }
      p.apply(c);
      setConfig(c);
      preset_note_->setText(QString::fromStdString(p.description) + ".");
      preset_schedule_ = c.schedule;
    }
  preset_->setCurrentIndex(preset_->findData(preset_schedule_ ? key : QString("custom")));
  applying_preset_ = false;
  updateCost();
}

void RunDialog::setLayers(const QString& layers) { layers_->setText(layers); }
void RunDialog::setDevice(const QString& device) {
  if (device_->findText(device) >= 0) device_->setCurrentText(device);
}
QString RunDialog::runDir() const { return run_dir_->text(); }
int RunDialog::steps() const { return steps_->value(); }

quant::QatConfig RunDialog::config() const {
  quant::QatConfig c;
  c.model = model_.toStdString();
  c.data = data_.toStdString();
  c.layers.clear();
  for (const QString& part : layers_->text().split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    int layer = part.trimmed().toInt(&ok);
    BCJR_CHECK(ok && layer >= 0, "Layers: '", part.toStdString(), "' is not a layer index");
    c.layers.push_back(layer);
  }
  c.multi_layer = mode_->currentText().toStdString();
  c.ptq_mode = ptq_->currentText().toStdString();
  c.method = quant::parse_qat_method(method_->currentText().toStdString(), "Method");
  c.steps = steps_->value();
  c.quant.code = code_->currentText().toStdString();
  c.quant.V = c.quant.code == "hyb" ? 2 : 1;
  c.quant.L = L_->value();
  const auto& b = kBoundaries[std::max(0, boundary_->currentIndex())];
  c.quant.boundary = b.boundary;
  c.quant.tailbiting_bcjr = b.method;
  c.lr = lr_->value();
  c.lr_units = lr_units_->currentText().toStdString();
  c.window = window_->value();
  c.calib_windows = calib_windows_->value();
  c.flips_every = flips_every_->value();
  c.eval_every = eval_every_->value();
  c.eval_ctx = eval_ctx_->value();
  c.eval_windows = eval_windows_->value();
  c.seed = uint64_t(seed_->value());
  c.device = device_->currentText().toStdString();
  c.validate();
  return c;
}

QString RunDialog::configJson(const QVector<double>& schedule) const {
  quant::QatConfig c = config();
  if (!schedule.isEmpty()) {
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < schedule.size(); ++i) pts.emplace_back(double(i), schedule[i]);
    c.schedule = quant::TemperatureSchedule::points(std::move(pts));
  }
  return QString::fromStdString(c.to_json().dump());
}

quant::RunCost RunDialog::cost() const {
  BCJR_CHECK(have_model_config_, "the model's shape is unknown: ", model_error_.toStdString());
  return quant::estimate_run_cost(config(), model_config_, eval_tokens_);
}

QString RunDialog::costText() const {
  quant::RunCost c;
  try {
    c = cost();
  } catch (const std::exception& e) {
    return tr("<i>No estimate: %1</i>").arg(QString::fromStdString(e.what()).toHtmlEscaped());
  }
  const bool gpu = device_->currentText() == "cuda";
  QString html;
  html += tr("<b>%1</b> tiles per step (%2 in all)<br>").arg(c.tiles_per_step).arg(c.tiles_total);
  if (c.bcjr_state_steps > 0)
    html += tr("%1 BCJR state-steps per step (forward and VJP)<br>").arg(c.bcjr_state_steps, 0, 'g', 3);
  html += tr("%1: %2<br>").arg(c.bcjr_state_steps > 0 ? tr("BCJR") : tr("Method"), QString::fromStdString(c.bcjr_method).toHtmlEscaped());
  // The parts a method runs (no BCJR for ste and jacquant, neither BCJR nor Viterbi for bbq and rtn).
  QStringList parts;
  if (c.seconds_bcjr > 0) parts << tr("BCJR %1").arg(seconds_text(c.seconds_bcjr));
  if (c.seconds_viterbi > 0) parts << tr("Viterbi %1").arg(seconds_text(c.seconds_viterbi));
  parts << tr("model %1").arg(seconds_text(c.seconds_model));
  if (c.seconds_eval > 0) parts << tr("perplexity %1 (averaged)").arg(seconds_text(c.seconds_eval));
  html += tr("<br><b>≈ %1 per step</b> on %2: %3<br>")
              .arg(seconds_text(c.seconds_per_step), gpu ? tr("an H200") : tr("the 2-core reference CPU"),
                   parts.join(tr(", ")));
  html += tr("≈ %1 before the first step (PTQ, FP and PTQ perplexity); ≈ <b>%2</b> for the whole run<br>")
              .arg(seconds_text(c.seconds_setup), seconds_text(c.seconds_total));
  html += tr("≈ %1 GB peak %2 memory<br>").arg(c.memory_bytes / 1e9, 0, 'f', 1).arg(gpu ? tr("GPU") : tr("resident"));
  if (!gpu && QThread::idealThreadCount() != 2)
    html += tr("<i>This machine has %1 threads; the estimate is for the 2-core reference.</i><br>")
                .arg(QThread::idealThreadCount());
  for (const auto& w : c.warnings)
    html += tr("<br><span style='color:#c0392b'><b>Warning:</b> %1</span>").arg(QString::fromStdString(w).toHtmlEscaped());
  html += tr("<br><br><small>%1. Perplexity text ≈ %2 tokens (from its size).</small>")
              .arg(QString::fromStdString(c.rates).toHtmlEscaped())
              .arg(eval_tokens_);
  return html;
}

void RunDialog::updateCost() { cost_->setText(costText()); }

}  // namespace bcjr::studio
