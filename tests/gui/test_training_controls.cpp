// The studio's thread boundary as the window uses it: a control the engine refuses (a schedule
// with a negative temperature) reaches the user as a message instead of escaping a slot; closing
// the window while a run is paused (inside a step) returns.
#include "tests/gui/gui_test_main.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <memory>

#include "app/studio/engine_worker.h"
#include "app/studio/main_window.h"
#include "app/studio/training_worker.h"
#include "tests/quant/tiny_model.h"

using namespace bcjr;

namespace {

studio::TrainRequest tiny_request(const QTemporaryDir& dir, int steps) {
  const std::string model = test::write_tiny_llama(dir.filePath("model").toStdString(), 3);
  const std::string tokens = test::write_token_ids(dir.filePath("tokens.npy").toStdString(), 4096, 64, 5);
  quant::QatConfig c = test::tiny_qat_run(model, tokens);
  c.steps = steps;
  c.eval_before_after = false;
  studio::TrainRequest r;
  r.config_json = QString::fromStdString(c.to_json().dump());
  r.run_dir = dir.filePath("run");
  return r;
}

}  // namespace

class TestTrainingControls : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void aRefusedScheduleIsAMessageAndTheRunGoesOn() {
    QTemporaryDir dir;
    QThread thread;
    auto* worker = new studio::TrainingWorker;
    worker->moveToThread(&thread);
    connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    thread.start();
    QSignalSpy steps(worker, &studio::TrainingWorker::stepFinished);
    QSignalSpy refused(worker, &studio::TrainingWorker::controlFailed);
    QSignalSpy cancelled(worker, &studio::TrainingWorker::cancelled);
    const studio::TrainRequest r = tiny_request(dir, 200);
    QMetaObject::invokeMethod(worker, [worker, r] { worker->start(r); }, Qt::QueuedConnection);
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 300000);
    // From this (the GUI) thread, as the schedule editor does: a phase the (one-phase) run lacks is
    // refused at once; every phase's schedule is posted and taken at the next step.
    worker->replaceSchedule(3, bcjr::quant::TemperatureSchedule::constant(0.1));
    QCOMPARE(refused.count(), 1);
    worker->replaceSchedule(-1, bcjr::quant::TemperatureSchedule::constant(0.1));
    QCOMPARE(refused.count(), 1);
    QVERIFY2(refused.at(0).at(0).toString().contains("schedule"), qPrintable(refused.at(0).at(0).toString()));
    const int before = steps.count();
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() > before, 300000);  // still training
    worker->cancel();
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.count() == 1, 300000);
    thread.quit();
    thread.wait();
  }

  void theWindowClosesWhileARunIsPaused() {
    QTemporaryDir dir;
    auto w = std::make_unique<studio::MainWindow>(studio::StudioOptions{"default", "default"});
    const studio::TrainRequest r = tiny_request(dir, 200);
    w->startTraining(r);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath("run/metrics.jsonl")), 300000);
    w->togglePause();
    QTest::qWait(300);  // most likely the pause has reached a check inside a step by now
    w.reset();          // cancels, and must not wait for ever on a paused run
    QVERIFY(QFile::exists(dir.filePath("run/log.txt")));
    QFile log(dir.filePath("run/log.txt"));
    QVERIFY(log.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(log.readAll()).contains("cancelled after step"));
  }
};

BCJR_GUI_TEST_MAIN(TestTrainingControls)
#include "test_training_controls.moc"
