// The temperature-schedule editor: control points (training step, T) on a log-T axis, one schedule
// per training phase when a multi-layer run trains one layer per phase. Points are dragged (step
// and T), typed in the table, added (double-click, Add) and removed (right-click, Remove); every
// edit is a command on an undo stack (a drag is one command). Changing the step count stretches
// the schedules. The phase and step a run is at are marked, so the user sees what an edit changes.
#pragma once

#include <QPointF>
#include <QVector>
#include <QWidget>

#include "widgets/schedule_points.h"

class QCustomPlot;
class QCPGraph;
class QComboBox;
class QMouseEvent;
class QTabBar;
class QTableWidget;
class QUndoStack;

namespace bcjr::widgets {

class ScheduleEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ScheduleEditor(QWidget* parent = nullptr);

  ScheduleState state() const { return state_; }
  // Undoable edits; `what` names the command in the undo history.
  void setState(const ScheduleState& s, const QString& what);
  void setPhase(int phase, const PhaseSchedule& s, const QString& what);
  // Points of the phase shown (tidied: sorted, one per step, T clamped), keeping its join.
  void setPoints(const QVector<QPointF>& points);
  QVector<QPointF> points() const { return state_.phases[current_].points; }
  // Stretches every phase's schedule over the new step count (undoable).
  void setSteps(int steps);
  int steps() const { return state_.steps; }
  int phaseCount() const { return int(state_.phases.size()); }
  int currentPhase() const { return current_; }
  void setCurrentPhase(int phase);
  // T at every step of a phase (default: the one shown).
  QVector<double> temperatures(int phase = -1) const;
  // The phase and step the run will compute next (-1: no run), marked on that phase's curve.
  void setRunPosition(int phase, int step);
  int runPhase() const { return run_phase_; }
  int runStep() const { return run_step_; }

  QCustomPlot* plot() const { return plot_; }
  QTableWidget* table() const { return table_; }
  QUndoStack* undoStack() const { return undo_; }
  QTabBar* phaseBar() const { return phase_bar_; }

  // Used by ScheduleCommand: shows a state without recording it.
  void applyState(const ScheduleState& s);

 Q_SIGNALS:
  // A phase's schedule changed (after a drag ends, an edit, an undo or a redo).
  void scheduleChanged(int phase);
  void stepsChanged(int steps);
  // Any change of the state shown, drags included (for views that mirror it).
  void stateChanged();

 private:
  void redraw(bool rescale);
  void refillTable();
  void refreshPhaseBar();
  void push(const ScheduleState& after, const QString& what, int merge_key = -1);
  int pointNear(const QPoint& pixel) const;
  void onPress(QMouseEvent* e);
  void onMove(QMouseEvent* e);
  void onRelease(QMouseEvent* e);
  void onDoubleClick(QMouseEvent* e);
  void onTableEdited(int row, int column);
  void addPoint();
  void removeSelected();

  QCustomPlot* plot_;
  QCPGraph* curve_;
  QCPGraph* handles_;
  QCPGraph* marker_;
  QTabBar* phase_bar_;
  QTableWidget* table_;
  QComboBox* join_;
  QUndoStack* undo_;
  ScheduleState state_;
  int current_ = 0;
  int run_phase_ = -1, run_step_ = -1;
  int dragging_ = -1, drag_serial_ = 0;
  ScheduleState drag_start_;
  bool filling_ = false;
};

}  // namespace bcjr::widgets
