// How a run of the studio ended, as the window reports it to the log and to a scripted run
// (app/studio/autorun.h): the status, the event-loop latency measured while it ran, and how long
// a Cancel took to stop it.
#pragma once

#include <QMetaType>
#include <QString>

#include "app/studio/latency_monitor.h"

namespace bcjr::studio {

struct RunEnd {
  enum class Status { Finished, Cancelled, Failed };
  Status status = Status::Finished;
  QString run_dir;
  QString message;             // the worker's summary, or the error
  bool started = false;        // false: it failed before its run folder was opened
  LatencyStats latency;        // from the request to the end
  double cancel_seconds = -1;  // from the Cancel click to the worker reporting it stopped (-1: no Cancel)
  static QString statusName(Status s) {
    return s == Status::Finished ? "finished" : s == Status::Cancelled ? "cancelled" : "failed";
  }
};

}  // namespace bcjr::studio

Q_DECLARE_METATYPE(bcjr::studio::RunEnd)
