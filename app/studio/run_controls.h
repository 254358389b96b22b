// The Run menu's Start, Resume, Pause/Continue and Cancel actions as one state machine, so that
// their enabled states and labels are right at every moment of a run: while it starts, runs, is
// asked to pause, is paused, is cancelling, and after it ends. It also times a Cancel: from the
// click to the worker reporting the run stopped.
#pragma once

#include <QElapsedTimer>
#include <QObject>

class QAction;

namespace bcjr::studio {

class RunControls : public QObject {
  Q_OBJECT
 public:
  enum class State {
    Idle,        // no run: Start and Resume
    Starting,    // queued to the worker, no session yet: nothing to pause or cancel
    Running,     // Pause, Cancel
    Paused,      // a pause was asked (it takes effect between steps): Continue, Cancel
    Cancelling,  // Cancel was pressed: wait for the worker to report the run stopped
  };
  RunControls(QAction* start, QAction* resume, QAction* pause, QAction* cancel, QObject* parent = nullptr);

  State state() const { return state_; }
  void setState(State s);
  // Cancel pressed: starts the clock that cancelSeconds() reads.
  void markCancelPressed();
  // Seconds from the last Cancel press to now, or -1 if Cancel was not pressed in this run.
  double cancelSeconds() const;
  // A step finished: while a pause is asked, the run is now paused after `steps_done` steps.
  void stepFinished(int steps_done);
  // Steps after which the run is paused, or -1 (not paused, or the step under way has not ended).
  int pausedAfter() const { return state_ == State::Paused ? paused_after_ : -1; }

 private:
  QAction *start_, *resume_, *pause_, *cancel_;
  State state_ = State::Idle;
  int paused_after_ = -1;
  QElapsedTimer cancel_clock_;
};

}  // namespace bcjr::studio
