// A BCJR-QAT run driven from the studio as a user drives it: started in the training thread, the
// views filling live from its step snapshots, and the run folder written.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include <nlohmann/json.hpp>

#include "app/studio/main_window.h"
#include "app/studio/posterior_tab.h"
#include "app/studio/training_worker.h"
#include "tests/quant/tiny_model.h"
#include "widgets/drift_budget_view.h"
#include "widgets/perplexity_view.h"
#include "widgets/posterior_view.h"
#include "widgets/schedule_editor.h"

using namespace bcjr;

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
    w.startTraining(r);

    auto* drift = w.findChild<widgets::DriftBudgetView*>("driftBudgetView");
    auto* perplexity = w.findChild<widgets::PerplexityView*>("perplexityView");
    QVERIFY(drift && perplexity);
    // The live run is one trace of the overlay views, filled step by step.
    QTRY_VERIFY_WITH_TIMEOUT(perplexity->traces().size() == 1 && perplexity->traces()[0].steps.size() == 3, 300000);
    QVERIFY(perplexity->traces()[0].live);
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
};

QTEST_MAIN(TestTraining)
#include "test_training.moc"
