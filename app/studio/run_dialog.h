// The "Start BCJR-QAT" dialog: the run's parameters with the paper's defaults, producing a
// QatConfig (as JSON) and a run folder. The temperature schedule comes from the schedule editor.
#pragma once

#include <QDialog>
#include <QVector>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace bcjr::studio {

class RunDialog : public QDialog {
  Q_OBJECT
 public:
  RunDialog(const QString& model, const QString& data, QWidget* parent = nullptr);
  // The configuration as QatConfig JSON, with the schedule given as T per step. Throws
  // bcjr::Error naming the field if a value is invalid.
  QString configJson(const QVector<double>& schedule) const;
  QString runDir() const;
  int steps() const;
  void setLayers(const QString& layers);

 private:
  QString model_, data_;
  QLineEdit* layers_;
  QComboBox* mode_;
  QComboBox* method_;
  QComboBox* ptq_;
  QSpinBox* steps_;
  QComboBox* code_;
  QSpinBox* L_;
  QSpinBox* seed_;
  QSpinBox* window_;
  QSpinBox* eval_ctx_;
  QSpinBox* eval_windows_;
  QDoubleSpinBox* lr_;
  QComboBox* device_;
  QComboBox* lr_units_;
  QLineEdit* run_dir_;
};

}  // namespace bcjr::studio
