#include "app/studio/run_controls.h"

#include <QAction>

namespace bcjr::studio {

RunControls::RunControls(QAction* start, QAction* resume, QAction* pause, QAction* cancel, QObject* parent)
    : QObject(parent), start_(start), resume_(resume), pause_(pause), cancel_(cancel) {
  setState(State::Idle);
}

void RunControls::setState(State s) {
  if (s == State::Starting) cancel_clock_.invalidate();
  if (s != State::Paused) paused_after_ = -1;
  state_ = s;
  const bool idle = s == State::Idle;
  start_->setEnabled(idle);
  resume_->setEnabled(idle);
  pause_->setEnabled(s == State::Running || s == State::Paused);
  pause_->setText(s == State::Paused ? tr("&Continue") : tr("&Pause"));
  pause_->setToolTip(s == State::Paused ? tr("Continue the run (it pauses between two steps)")
                                        : tr("Pause the run after the current step"));
  cancel_->setEnabled(s == State::Running || s == State::Paused);
}

void RunControls::markCancelPressed() {
  cancel_clock_.start();
}

void RunControls::stepFinished(int steps_done) {
  if (state_ == State::Paused) paused_after_ = steps_done;
}

double RunControls::cancelSeconds() const {
  return cancel_clock_.isValid() ? double(cancel_clock_.nsecsElapsed()) * 1e-9 : -1.0;
}

}  // namespace bcjr::studio
