// A BCJR-QAT run driven from the studio as a user drives it: started in the training thread, the
// views filling live from its step snapshots, and the run folder written.
#include "tests/gui/gui_test_main.h"
#include <QAction>
#include <QStatusBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include <nlohmann/json.hpp>

#include "app/studio/main_window.h"
#include "app/studio/message_bar.h"
#include "app/studio/posterior_tab.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_overlay.h"
#include "app/studio/training_worker.h"
#include "tests/quant/tiny_model.h"
#include "widgets/drift_budget_view.h"
#include "widgets/perplexity_view.h"
#include "widgets/posterior_view.h"
#include "widgets/schedule_editor.h"

using namespace bcjr;
using studio::RunControls;

namespace {
struct RunActions {
  QAction *start, *resume, *pause, *cancel;
  explicit RunActions(const studio::MainWindow& w)
      : start(w.findChild<QAction*>("startAction")),
        resume(w.findChild<QAction*>("resumeAction")),
        pause(w.findChild<QAction*>("pauseAction")),
        cancel(w.findChild<QAction*>("cancelAction")) {}
  // Which actions a user can click, as a string: "SRPC" for all four, "-" for a disabled one.
  QString enabled() const {
    return QString("%1%2%3%4")
        .arg(start->isEnabled() ? 'S' : '-')
        .arg(resume->isEnabled() ? 'R' : '-')
        .arg(pause->isEnabled() ? 'P' : '-')
        .arg(cancel->isEnabled() ? 'C' : '-');
  }
};
}  // namespace

class TestTraining : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runFillsTheViewsAndFinishes() {
    QTemporaryDir dir;
    const std::string model = test::write_tiny_llama(dir.filePath("model").toStdString(), 3);
    const std::string tokens = test::write_token_ids(dir.filePath("tokens.npy").toStdString(), 4096, 64, 5);
    quant::QatConfig c = test::tiny_qat_run(model, tokens);

    studio::MainWindow w({QString::fromStdString(model), QString::fromStdString(tokens)});
    studio::TrainRequest r;
    r.config_json = QString::fromStdString(c.to_json().dump());
    r.run_dir = dir.filePath("run");
    auto* drift = w.findChild<widgets::DriftBudgetView*>("driftBudgetView");
    auto* perplexity = w.findChild<widgets::PerplexityView*>("perplexityView");
    QVERIFY(drift && perplexity);
    auto* overlay = w.findChild<studio::RunOverlay*>("runOverlay");
    QVERIFY(overlay);
    // While the run goes on, each step it reports is in the one live trace of the curve views. This
    // is read when the step reaches the GUI thread (after the window's own handlers), not by polling
    // the views: a tiny run can end within one polling interval of its last step, and then its trace
    // is no longer live.
    QStringList seen;
    connect(w.trainingWorker(), &studio::TrainingWorker::stepFinished, &w, [&] {
      const auto t = overlay->traces();
      seen << QString("%1:%2:%3").arg(t.size()).arg(t.isEmpty() ? 0 : t[0].steps.size()).arg(t.isEmpty() ? 0 : int(t[0].live));
    });
    w.startTraining(r);
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 3, 300000);
    QCOMPARE(seen, QStringList({"1:1:1", "1:2:1", "1:3:1"}));
    // The views draw those traces; when the run has ended its trace is the folder as the run left
    // it, no longer live.
    QTRY_VERIFY_WITH_TIMEOUT(perplexity->traces().size() == 1 && !perplexity->traces()[0].live, 60000);
    QCOMPARE(perplexity->traces()[0].steps.size(), 3);
    QTRY_VERIFY_WITH_TIMEOUT(drift->linears().size() == 7, 10000);
    QCOMPARE(drift->linears()[0], QString("L0 q_proj"));
    // The run's FP and PTQ perplexities reach the live trace with their protocol.
    QTRY_VERIFY_WITH_TIMEOUT(perplexity->traces()[0].ppl_ptq > 0 && perplexity->traces()[0].ppl_fp > 0, 10000);
    QVERIFY(perplexity->traces()[0].ppl_protocol.contains("ctx 32"));
    // The Schedule tab shows what the run follows: its 3 steps of skip-high-T.
    auto* editor = w.findChild<widgets::ScheduleEditor*>("scheduleEditor");
    QCOMPARE(editor->steps(), 3);
    QVERIFY(std::abs(editor->temperatures()[2] - 0.05) < 1e-12);
    // The run wrote its folder: manifest, metrics, a checkpoint.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath("run/run.json")), 10000);
    QFile metrics(dir.filePath("run/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(metrics.readAll()).trimmed().split('\n').size(), 3);
  }

  // Pause shows Continue, Cancel works while paused, and after Cancel the run resumes; the Run
  // menu's actions are right at each moment.
  void pauseCancelWhilePausedAndResume() {
    QTemporaryDir dir;
    const std::string model = test::write_tiny_llama(dir.filePath("model").toStdString(), 3);
    const std::string tokens = test::write_token_ids(dir.filePath("tokens.npy").toStdString(), 4096, 64, 5);
    quant::QatConfig c = test::tiny_qat_run(model, tokens);
    c.steps = 8;
    studio::MainWindow w({QString::fromStdString(model), QString::fromStdString(tokens)});
    RunActions a(w);
    QCOMPARE(a.enabled(), QString("SR--"));
    studio::TrainRequest r;
    r.config_json = QString::fromStdString(c.to_json().dump());
    r.run_dir = dir.filePath("run");
    QSignalSpy steps(w.trainingWorker(), &studio::TrainingWorker::stepFinished);
    QSignalSpy ended(&w, &studio::MainWindow::runEnded);
    w.startTraining(r);
    QCOMPARE(a.enabled(), QString("----"));  // starting: nothing to pause or cancel yet
    QTRY_COMPARE_WITH_TIMEOUT(w.runControls()->state(), RunControls::State::Running, 60000);
    QCOMPARE(a.enabled(), QString("--PC"));
    QCOMPARE(a.pause->text().remove('&'), QString("Pause"));
    QVERIFY(steps.wait(120000));

    a.pause->trigger();
    QCOMPARE(a.pause->text().remove('&'), QString("Continue"));
    QCOMPARE(a.enabled(), QString("--PC"));
    QVERIFY(w.trainingWorker()->paused());
    // It stops between two steps: the step under way ends, then no step comes for several step times.
    double step_s = 0;
    for (const auto& args : steps) step_s = std::max(step_s, args.at(0).value<widgets::StepSnapshot>().seconds);
    const int quiet_ms = int(3000 * step_s) + 1000;
    int settled = -1;
    for (int i = 0; i < 20 && settled != steps.count(); ++i) {
      settled = steps.count();
      QTest::qWait(quiet_ms);
    }
    QVERIFY(settled < 8);
    QTest::qWait(quiet_ms);
    QCOMPARE(steps.count(), settled);
    // Paused after the step under way, or held before the next one if none was under way.
    const QString status = w.statusBar()->currentMessage();
    QVERIFY2(status.contains(QString("paused after step %1").arg(settled)) || status.contains("pause asked"),
             qPrintable(status));

    a.cancel->trigger();  // while paused
    QCOMPARE(a.enabled(), QString("----"));  // cancelling
    QVERIFY(ended.wait(60000));
    auto end = ended.takeFirst().at(0).value<studio::RunEnd>();
    QCOMPARE(end.status, studio::RunEnd::Status::Cancelled);
    QVERIFY(end.cancel_seconds >= 0);
    QCOMPARE(a.enabled(), QString("SR--"));
    QCOMPARE(a.pause->text().remove('&'), QString("Pause"));

    w.resumeTraining(r.run_dir);
    QVERIFY(ended.wait(240000));
    end = ended.takeFirst().at(0).value<studio::RunEnd>();
    QCOMPARE(end.status, studio::RunEnd::Status::Finished);
    QFile metrics(dir.filePath("run/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(metrics.readAll()).trimmed().split('\n').size(), 8);
  }

  // An engine error is a message in the window, not a modal box, and the window goes on.
  void engineErrorIsAMessageAndTheWindowGoesOn() {
    QTemporaryDir dir;
    studio::MainWindow w({"default", "default"});
    RunActions a(w);
    quant::QatConfig c;
    c.model = dir.filePath("no-such-model").toStdString();
    studio::TrainRequest r;
    r.config_json = QString::fromStdString(c.to_json().dump());
    r.run_dir = dir.filePath("run");
    QSignalSpy ended(&w, &studio::MainWindow::runEnded);
    w.startTraining(r);
    QVERIFY(ended.wait(60000));  // a modal box would block here
    QCOMPARE(ended.first().at(0).value<studio::RunEnd>().status, studio::RunEnd::Status::Failed);
    auto* bar = w.findChild<studio::MessageBar*>("messageBar");
    QVERIFY(bar && !bar->isHidden());
    QVERIFY2(bar->message().contains("no-such-model"), qPrintable(bar->message()));
    QCOMPARE(a.enabled(), QString("SR--"));
  }
};

BCJR_GUI_TEST_MAIN(TestTraining)
#include "test_training.moc"
