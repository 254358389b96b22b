// The "Start BCJR-QAT" dialog: the run's parameters, presets (the paper's recipe, a GPU run of the
// default model's layer 4, a CPU demo that finishes in minutes; a preset keeps the Method chosen),
// the QAT method, the tail-biting BCJR method as an explicit choice, and before Start what the
// choice costs (engine/quant/run_cost.h, by method): tiles, BCJR state-steps per step, exact or
// fixed-overlap tail-biting, seconds per step and memory on the chosen device, with a warning where
// the exact mode multiplies the cost. The temperature schedule comes from the Schedule tab.
#pragma once

#include <QDialog>
#include <QString>
#include <QVector>
#include <optional>

#include "engine/model/llama_config.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/run_cost.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace bcjr::studio {

class RunDialog : public QDialog {
  Q_OBJECT
 public:
  RunDialog(const QString& model, const QString& data, QWidget* parent = nullptr);
  // The configuration (schedule: the engine's default until the window sets the Schedule tab's).
  // Throws bcjr::Error naming the field if a value is invalid.
  quant::QatConfig config() const;
  // As JSON; a non-empty `schedule` (T per step) replaces the schedule.
  QString configJson(const QVector<double>& schedule = {}) const;
  QString runDir() const;
  int steps() const;
  void setLayers(const QString& layers);
  void setDevice(const QString& device);
  // Shows a configuration's values in the fields (the model, data and schedule are not fields).
  void setConfig(const quant::QatConfig& c);

  // A preset of engine/quant/qat_presets.h ("default", "paper", "gpu", "cpu-demo"), or "custom" (edited).
  void applyPreset(const QString& key);
  QString preset() const;
  // The schedule of the preset chosen (none once the user edits a field): the window shows it
  // in the Schedule tab before the run starts.
  std::optional<quant::TemperatureSchedule> presetSchedule() const { return preset_schedule_; }
  // What the current choice costs, and the text the dialog shows for it.
  quant::RunCost cost() const;
  QString costText() const;

 private:
  void updateCost();
  void markCustom();

  QString model_, data_;
  model::LlamaConfig model_config_;
  bool have_model_config_ = false;
  QString model_error_;
  int64_t eval_tokens_ = 0;  // estimated from the text's size
  std::optional<quant::TemperatureSchedule> preset_schedule_;
  bool applying_preset_ = false;

  QComboBox* preset_;
  QLabel* preset_note_;
  QLineEdit* layers_;
  QComboBox* mode_;
  QComboBox* method_;
  QComboBox* ptq_;
  QSpinBox* steps_;
  QComboBox* code_;
  QSpinBox* L_;
  QComboBox* boundary_;
  QSpinBox* seed_;
  QSpinBox* window_;
  QSpinBox* calib_windows_;
  QSpinBox* flips_every_;
  QSpinBox* eval_every_;
  QSpinBox* eval_ctx_;
  QSpinBox* eval_windows_;
  QDoubleSpinBox* lr_;
  QComboBox* device_;
  QComboBox* lr_units_;
  QLineEdit* run_dir_;
  QLabel* cost_;
};

}  // namespace bcjr::studio
