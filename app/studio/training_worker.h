// Runs one BCJR-QAT session (engine/quant/qat_session.h) in its own QThread. start() blocks that
// thread for the whole run (queued calls to this object wait for it), so pause, continue, cancel
// and schedule replacement are called from the GUI thread and go straight to the session: each
// only posts (sets a flag, hands over a schedule) and never waits on the engine's work. Results
// leave as snapshots; every engine error leaves as a signal (failed: the run stopped;
// controlFailed: a control was refused, the run goes on), never as an exception.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <memory>
#include <mutex>

#include "widgets/snapshots.h"

namespace bcjr::quant {
class QatSession;
class TemperatureSchedule;
}

namespace bcjr::studio {

struct TrainRequest {
  QString config_json;  // a QatConfig as JSON (ignored when resuming)
  QString run_dir;
  bool resume = false;
};

class TrainingWorker : public QObject {
  Q_OBJECT
 public:
  explicit TrainingWorker(QObject* parent = nullptr);
  ~TrainingWorker() override;

  // Thread-safe, never block on the engine; no-ops when nothing runs. Pause and cancel take effect
  // at the run's next cancellation check, inside a step (well under a second on the CPU).
  void pause();
  void unpause();
  void cancel();
  bool paused() const;
  // Posts a phase's schedule (phase -1: every phase's), taken by the training thread at its next
  // step; never waits on training. A schedule or phase the engine refuses is reported through
  // controlFailed.
  void replaceSchedule(int phase, const quant::TemperatureSchedule& schedule);
  // The running session (or null), for posterior queries from another thread.
  std::shared_ptr<quant::QatSession> session() const;

 public Q_SLOTS:
  void start(const bcjr::studio::TrainRequest& request);

 Q_SIGNALS:
  void started(const QString& run_dir, int total_steps);
  void stepFinished(const bcjr::widgets::StepSnapshot& s);
  void progress(const QString& stage, qint64 done, qint64 total, double eta_s);
  void logLine(const QString& line);
  // "FP", "PTQ" or "QAT" and the protocol it was measured under.
  void perplexityMeasured(const QString& label, double ppl, const QString& protocol);
  // The run's configuration (QatConfig JSON) and every phase's schedule in force as it starts
  // (engine JSON array; a resumed run's include the edits it checkpointed).
  void schedulesInForce(const QString& config_json, const QString& schedules_json);
  void finished(const QString& summary);
  void cancelled(const QString& run_dir);
  void failed(const QString& message);
  void controlFailed(const QString& message);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<quant::QatSession> session_;
};

}  // namespace bcjr::studio

Q_DECLARE_METATYPE(bcjr::studio::TrainRequest)
