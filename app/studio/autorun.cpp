#include "app/studio/autorun.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QSaveFile>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/studio/autorun_summary.h"
#include "app/studio/main_window.h"
#include "app/studio/training_worker.h"
#include "app/studio/view_capture.h"
#include "engine/core/error.h"
#include "widgets/schedule_editor.h"

namespace bcjr::studio {

namespace {
// The engine's progress stage of the step loop: its first event is the first training step beginning.
const QString kStepStage = QStringLiteral("BCJR-QAT steps");

// The Schedule tab shows the schedule the run uses, as it does after Run > Start (where the tab is
// the schedule's source): T at every step of a phase, keeping only the points where log T bends, so
// an exponential schedule is its two end points.
void show_schedule(widgets::ScheduleEditor* editor, const quant::QatConfig& c) {
  const int n = int(c.steps);
  if (!editor || n <= 0) return;
  QVector<double> logt;
  for (int i = 0; i < n; ++i) logt.append(std::log(c.schedule.at(i, n)));
  QVector<QPointF> points;
  for (int i = 0; i < n; ++i)
    if (i == 0 || i == n - 1 || std::abs(logt[i - 1] - 2 * logt[i] + logt[i + 1]) > 1e-9)
      points.append(QPointF(i, std::exp(logt[i])));
  editor->setSteps(n);
  editor->setPoints(points);
}

void say(const QString& line) {
  std::fprintf(stderr, "bcjr-studio: %s\n", qPrintable(line));
  std::fflush(stderr);
}
}  // namespace

void AutorunOptions::parseScreenshotAt(const QString& spec) {
  capture_steps.clear();
  capture_last = capture_end = false;
  const QStringList items = spec.split(',', Qt::SkipEmptyParts);
  BCJR_CHECK(!items.isEmpty(), "--screenshot-at: empty (expected step counts, 'last' or 'end', e.g. 1,5,end)");
  for (const QString& raw : items) {
    const QString item = raw.trimmed().toLower();
    bool ok = false;
    const int step = item.toInt(&ok);
    if (ok) {
      BCJR_CHECK(step >= 1, "--screenshot-at: ", step, " (a step count starts at 1: the views after the first step)");
      if (!capture_steps.contains(step)) capture_steps.append(step);
    } else if (item == "last") {
      capture_last = true;
    } else if (item == "end") {
      capture_end = true;
    } else {
      fail("--screenshot-at: '", raw.toStdString(), "' is not a step count, 'last' or 'end'");
    }
  }
  std::sort(capture_steps.begin(), capture_steps.end());
}

int autorunExitCode(RunEnd::Status status) {
  return status == RunEnd::Status::Finished ? 0 : status == RunEnd::Status::Cancelled ? 3 : 1;
}

Autorun::Autorun(MainWindow* window, AutorunOptions options, QObject* parent)
    : QObject(parent), window_(window), options_(std::move(options)) {}

void Autorun::start() {
  run_ = readRunFile(options_.run_file);
  total_steps_ = int(run_.config.total_steps());
  for (int step : options_.capture_steps)
    BCJR_CHECK(step <= total_steps_, "--screenshot-at ", step, ": the run of ", options_.run_file.toStdString(),
               " has ", total_steps_, " steps");
  if (!options_.screenshots_dir.isEmpty()) {
    BCJR_CHECK(QDir().mkpath(options_.screenshots_dir), "--screenshots: cannot create the folder ",
               options_.screenshots_dir.toStdString());
    capture_ = new ViewCapture(window_, options_.screenshots_dir, 60000, this);
    connect(capture_, &ViewCapture::failed, this, [this](const QString& m) {
      errors_ << m;
      say(m);
    });
    connect(capture_, &ViewCapture::viewSaved, this, [](const CapturedView& v) {
      say(QStringLiteral("saved %1 (%2 ms)%3")
              .arg(v.file)
              .arg(v.grab_ms, 0, 'f', 0)
              .arg(v.no_data ? " (its view had no data after waiting)" : ""));
    });
    connect(capture_, &ViewCapture::idle, this, &Autorun::finishWhenIdle);
  }
  TrainingWorker* worker = window_->trainingWorker();
  connect(worker, &TrainingWorker::progress, this, [this](const QString& stage) { onProgress(stage); });
  // After the window's own handler (connected first), so the views already hold the step.
  connect(worker, &TrainingWorker::stepFinished, this, &Autorun::onStep);
  connect(window_, &MainWindow::engineError, this, [this](const QString& m) {
    errors_ << m;
    say(QStringLiteral("error: %1").arg(m));
  });
  connect(window_, &MainWindow::runEnded, this, &Autorun::onEnded);
  show_schedule(window_->findChild<widgets::ScheduleEditor*>("scheduleEditor"), run_.config);
  window_->setModel(QString::fromStdString(run_.config.model));
  window_->setText(QString::fromStdString(run_.config.data));
  say(QStringLiteral("autorun of %1: %2 steps into %3 on %4")
          .arg(options_.run_file)
          .arg(total_steps_)
          .arg(run_.run_dir, QString::fromStdString(run_.config.device)));
  wall_.start();
  window_->startTraining(run_.request);
}

void Autorun::onProgress(const QString& stage) {
  if (training_clock_.isValid() || stage != kStepStage) return;
  training_clock_.start();
  say(QStringLiteral("training began (%1 s after the start)").arg(wall_.elapsed() / 1000.0, 0, 'f', 1));
  if (options_.cancel_after_s >= 0)
    QTimer::singleShot(int(options_.cancel_after_s * 1000), Qt::PreciseTimer, this, &Autorun::pressCancel);
}

QString Autorun::moment(int steps_done) const {
  const int width = int(QString::number(std::max(total_steps_, 1)).size());
  return QStringLiteral("after-step-%1").arg(steps_done, std::max(width, 2), 10, QChar('0'));
}

void Autorun::onStep(const widgets::StepSnapshot& s) {
  step_seconds_.append(s.seconds);
  steps_done_ = s.step + 1;
  say(QStringLiteral("step %1/%2: T %3, KL %4, %5 s")
          .arg(steps_done_)
          .arg(total_steps_)
          .arg(s.temperature, 0, 'g', 3)
          .arg(s.kl, 0, 'g', 5)
          .arg(s.seconds, 0, 'f', 2));
  if (!capture_) return;
  capture_->setStepsShown(steps_done_);
  if (options_.capture_steps.contains(steps_done_) || (options_.capture_last && steps_done_ == total_steps_))
    capture_->capture(moment(steps_done_));
}

void Autorun::pressCancel() {
  if (ended_) return;
  QAction* cancel = window_->findChild<QAction*>("cancelAction");
  cancel_pressed_after_s_ = training_clock_.nsecsElapsed() * 1e-9;
  cancel_pressed_ = cancel && cancel->isEnabled();
  if (!cancel_pressed_) {
    say(QStringLiteral("--cancel-after: Cancel was not enabled (the run was ending), not pressed"));
    return;
  }
  say(QStringLiteral("pressing Cancel %1 s after training began").arg(cancel_pressed_after_s_, 0, 'f', 2));
  cancel->trigger();  // what a click does
}

void Autorun::onEnded(const RunEnd& end) {
  if (ended_) return;
  ended_ = true;
  end_ = end;
  exit_code_ = autorunExitCode(end.status);
  say(QStringLiteral("run %1: %2").arg(RunEnd::statusName(end.status), end.message));
  say(end.latency.describe());
  if (end.cancel_seconds >= 0) say(QStringLiteral("stopped %1 s after Cancel").arg(end.cancel_seconds, 0, 'f', 2));
  if (capture_ && options_.capture_end) capture_->capture(QStringLiteral("end"));
  finishWhenIdle();
}

void Autorun::finishWhenIdle() {
  if (!ended_ || done_ || (capture_ && capture_->busy())) return;
  done_ = true;
  // The window lives on (without --exit-when-done, and a user may resume): this run's record is closed.
  disconnect(window_->trainingWorker(), nullptr, this, nullptr);
  disconnect(window_, nullptr, this, nullptr);
  AutorunRecord r;
  r.run_file = options_.run_file;
  r.end = end_;
  r.device = QString::fromStdString(run_.config.device);
  r.steps_total = total_steps_;
  r.steps_done = steps_done_;
  r.step_seconds = step_seconds_;
  r.errors = errors_;
  r.cancel_after_s = options_.cancel_after_s;
  r.cancel_pressed = cancel_pressed_;
  r.cancel_pressed_after_s = cancel_pressed_after_s_;
  if (capture_) r.screenshots = capture_->captured();
  r.wall_seconds = wall_.nsecsElapsed() * 1e-9;
  r.exit_code = exit_code_;
  const QByteArray text = QByteArray::fromStdString(autorun_summary(r).dump(2)) + '\n';
  if (end_.started) {
    // Into the run folder this autorun created (a run refused before it began keeps no summary there).
    summary_file_ = QDir(end_.run_dir).filePath("autorun-summary.json");
    QSaveFile f(summary_file_);
    if (!(f.open(QIODevice::WriteOnly) && f.write(text) == text.size() && f.commit())) {
      say(QStringLiteral("could not write %1").arg(summary_file_));
      summary_file_.clear();
    }
  }
  if (options_.exit_when_done) {
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fflush(stdout);
    QCoreApplication::exit(exit_code_);
  }
  Q_EMIT finished(exit_code_, QString::fromUtf8(text));
}

}  // namespace bcjr::studio
