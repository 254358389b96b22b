// The Schedule tab: the schedule editor with the presets (the paper's skip-high-T and naive, and
// exponential, cosine, linear and constant with editable T0, Tmin and steps), one schedule per
// layer for the multi-layer modes that train a layer per phase, and saving and loading the
// engine's schedule JSON (an object, or an array with one schedule per phase).
#pragma once

#include <QVector>
#include <QWidget>
#include <vector>

#include "engine/quant/schedule.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace bcjr::quant {
struct QatConfig;
}
namespace bcjr::widgets {
class ScheduleEditor;
}

namespace bcjr::studio {

class ScheduleTab : public QWidget {
  Q_OBJECT
 public:
  explicit ScheduleTab(QWidget* parent = nullptr);
  widgets::ScheduleEditor* editor() const { return editor_; }

  // Replaces the schedule shown with a preset: skip-high-T, naive, exponential, cosine, linear or
  // constant (T0 and Tmin from the spin boxes for the last four). Undoable.
  void applyPreset(const QString& name);
  // Shows an engine schedule in every phase (undoable; `what` names the edit).
  void setSchedule(const quant::TemperatureSchedule& s, const QString& what);
  void setT0(double t0);
  void setTmin(double tmin);

  // Layers with a schedule each; empty: one schedule for every phase.
  QVector<int> phaseLayers() const;
  void setPhaseLayers(const QVector<int>& layers);
  // The engine schedule of a phase (of the editor's phases).
  quant::TemperatureSchedule schedule(int phase) const;
  // Sets c.schedule and, for independent/greedy runs with a schedule per layer, c.phase_schedules
  // in the order of c.layers. Layers without a schedule of their own get the first phase's (the
  // editor then shows the run's layers). Returns a note for the log when it had to do that.
  QString applyTo(quant::QatConfig& c);
  // Shows the schedules a run follows (its configuration and the schedule of each phase in
  // force): per layer when the run trains a layer per phase with schedules of their own.
  void showRun(const quant::QatConfig& c, const std::vector<quant::TemperatureSchedule>& schedules);

  // The engine's JSON: one object, or an array of one schedule per phase. Return an error message
  // (empty: done). Loading one schedule replaces the phase shown; an array must have one per phase.
  QString saveFile(const QString& path) const;
  QString loadFile(const QString& path);

 public Q_SLOTS:
  void save();
  void load();

 private:
  void presetChosen();
  void phasesEdited();

  widgets::ScheduleEditor* editor_;
  QComboBox* preset_;
  QDoubleSpinBox* t0_;
  QDoubleSpinBox* tmin_;
  QSpinBox* steps_;
  QCheckBox* per_layer_;
  QLineEdit* layers_;
};

}  // namespace bcjr::studio
