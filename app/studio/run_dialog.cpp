#include "app/studio/run_dialog.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/quant/qat_config.h"

namespace bcjr::studio {

RunDialog::RunDialog(const QString& model, const QString& data, QWidget* parent)
    : QDialog(parent), model_(model), data_(data) {
  setWindowTitle(tr("Start BCJR-QAT"));
  auto* form = new QFormLayout(this);
  const quant::QatConfig defaults;
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
  steps_ = new QSpinBox;
  steps_->setRange(0, 100000);
  steps_->setValue(int(defaults.steps));
  code_ = new QComboBox;
  code_->addItems({"hyb", "1mad", "3inst"});
  L_ = new QSpinBox;
  L_->setRange(2, 16);
  L_->setValue(defaults.quant.L);
  seed_ = new QSpinBox;
  seed_->setRange(0, 1 << 30);
  window_ = new QSpinBox;
  window_->setRange(16, 1 << 16);
  window_->setValue(int(defaults.window));
  eval_ctx_ = new QSpinBox;
  eval_ctx_->setRange(16, 1 << 16);
  eval_ctx_->setValue(int(defaults.eval_ctx));
  eval_windows_ = new QSpinBox;
  eval_windows_->setRange(0, 100000);
  eval_windows_->setSpecialValueText(tr("all"));
  lr_ = new QDoubleSpinBox;
  lr_->setDecimals(6);
  lr_->setRange(0, 1);
  lr_->setSingleStep(1e-4);
  lr_->setValue(defaults.lr);
  lr_units_ = new QComboBox;
  lr_units_->setObjectName("lrUnits");
  lr_units_->addItems({"weight", "normalised"});
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
  form->addRow(tr("Layers"), layers_);
  form->addRow(tr("Multi-layer mode"), mode_);
  form->addRow(tr("Method"), method_);
  form->addRow(tr("PTQ initialisation"), ptq_);
  form->addRow(tr("Training steps"), steps_);
  form->addRow(tr("Code"), code_);
  form->addRow(tr("State bits L"), L_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Learning-rate units"), lr_units_);
  form->addRow(tr("Calibration window"), window_);
  form->addRow(tr("Perplexity ctx"), eval_ctx_);
  form->addRow(tr("Perplexity windows"), eval_windows_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Device"), device_);
  form->addRow(tr("Run folder"), run_dir_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
}

void RunDialog::setLayers(const QString& layers) { layers_->setText(layers); }
QString RunDialog::runDir() const { return run_dir_->text(); }
int RunDialog::steps() const { return steps_->value(); }

QString RunDialog::configJson(const QVector<double>& schedule) const {
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
  c.lr = lr_->value();
  c.lr_units = lr_units_->currentText().toStdString();
  c.window = window_->value();
  c.eval_ctx = eval_ctx_->value();
  c.eval_windows = eval_windows_->value();
  c.seed = uint64_t(seed_->value());
  c.device = device_->currentText().toStdString();
  if (!schedule.isEmpty()) {
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < schedule.size(); ++i) pts.emplace_back(double(i), schedule[i]);
    c.schedule = quant::TemperatureSchedule::points(std::move(pts));
  }
  c.validate();
  return QString::fromStdString(c.to_json().dump());
}

}  // namespace bcjr::studio
