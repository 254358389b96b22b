// LibTorch-facing engine headers first: Qt's `slots` macro must not be defined while they parse.
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_index.h"

#include "app/studio/training_worker.h"
#include "app/studio/step_snapshot.h"

namespace bcjr::studio {

namespace {

// Forwards engine progress events to a Qt signal (queued to the GUI by the connection).
class SignalProgress : public ProgressReporter {
 public:
  explicit SignalProgress(TrainingWorker* w) : w_(w) {}
  bool report(const ProgressEvent& e) override {
    Q_EMIT w_->progress(QString::fromStdString(e.stage), e.done, e.total, e.eta_s);
    return true;  // cancellation goes through QatSession::cancel()
  }

 private:
  TrainingWorker* w_;
};

}  // namespace

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<TrainRequest>();
  qRegisterMetaType<widgets::StepSnapshot>();
}

TrainingWorker::~TrainingWorker() = default;

std::shared_ptr<quant::QatSession> TrainingWorker::session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_;
}

void TrainingWorker::pause() {
  if (auto s = session()) s->pause();
}
void TrainingWorker::unpause() {
  if (auto s = session()) s->unpause();
}
void TrainingWorker::cancel() {
  if (auto s = session()) s->cancel();
}
bool TrainingWorker::paused() const {
  auto s = session();
  return s && s->paused();
}

void TrainingWorker::replaceSchedule(int phase, const quant::TemperatureSchedule& schedule) {
  auto s = session();
  if (!s) return;
  try {  // posted, taken at the next step
    if (phase < 0) s->replace_schedule(schedule);
    else s->replace_phase_schedule(phase, schedule);
  } catch (const std::exception& e) {
    Q_EMIT controlFailed(tr("schedule not replaced: %1").arg(QString::fromStdString(e.what()).section('\n', 0, 0)));
  }
}

void TrainingWorker::start(const TrainRequest& request) {
  if (session()) {
    Q_EMIT failed(tr("a run is already going"));
    return;
  }
  try {
    std::shared_ptr<quant::QatSession> s;
    if (request.resume) {
      s = quant::QatSession::resume(request.run_dir.toStdString());
    } else {
      auto j = nlohmann::json::parse(request.config_json.toStdString());
      s = quant::QatSession::create(quant::QatConfig::from_json(j, "the run dialog"), request.run_dir.toStdString());
    }
    SignalProgress progress(this);
    s->set_progress(&progress);
    s->set_metrics_callback([this](const quant::StepMetrics& m) { Q_EMIT stepFinished(step_snapshot(m)); });
    s->set_log_callback([this](const std::string& line) { Q_EMIT logLine(QString::fromStdString(line)); });
    s->set_perplexity_callback([this](const std::string& label, double ppl, const std::string& protocol) {
      Q_EMIT perplexityMeasured(QString::fromStdString(label), ppl, QString::fromStdString(protocol));
    });
    const QString config_json = QString::fromStdString(s->config().to_json().dump());
    s->set_schedules_callback([this, config_json](const std::vector<quant::TemperatureSchedule>& list) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& x : list) j.push_back(x.to_json());
      Q_EMIT schedulesInForce(config_json, QString::fromStdString(j.dump()));
    });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      session_ = s;
    }
    Q_EMIT started(QString::fromStdString(s->run_dir()), int(s->config().total_steps()));
    try {
      quant::QatOutcome out = s->run();
      QStringList parts;
      for (auto& [name, ppl] : out.perplexities) parts << QString("%1 %2").arg(QString::fromStdString(name)).arg(ppl, 0, 'f', 4);
      // Every perplexity with its protocol, dtype included (figures of other protocols differ).
      const std::string protocol = quant::summarize_run(out.run_dir).protocol;
      Q_EMIT finished(tr("run %1 finished after %2 steps; perplexity %3 (%4)")
                          .arg(QString::fromStdString(out.run_dir))
                          .arg(out.steps_done)
                          .arg(parts.join(", "), QString::fromStdString(protocol)));
    } catch (const Cancelled&) {
      Q_EMIT cancelled(QString::fromStdString(s->run_dir()));
    }
    s->set_progress(nullptr);
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromStdString(e.what()).section('\n', 0, 0));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  session_.reset();
}

}  // namespace bcjr::studio
