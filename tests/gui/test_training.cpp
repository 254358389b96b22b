// A BCJR-QAT run driven from the studio as a user drives it: started in the training thread, the
// views filling live from its step snapshots, and the run folder written.
#include "tests/gui/gui_test_main.h"
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "app/studio/main_window.h"
#include "app/studio/posterior_tab.h"
#include "app/studio/training_worker.h"
#include "tests/quant/tiny_model.h"
#include "widgets/curve_plot.h"
#include "widgets/flips_view.h"
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

    auto* flips = w.findChild<widgets::FlipsView*>("flipsView");
    auto* curves = w.findChild<widgets::CurvePlot*>("perplexityPlot");
    QTRY_VERIFY_WITH_TIMEOUT(!curves->seriesNames().isEmpty(), 300000);
    QTRY_VERIFY_WITH_TIMEOUT(curves->seriesX(curves->seriesNames()[0]).size() == 3, 300000);
    QVERIFY(!flips->flipsPlot()->seriesNames().isEmpty());
    QCOMPARE(flips->flipsPlot()->seriesY(flips->flipsPlot()->seriesNames()[0]).size(), 3);
    // The run wrote its folder: manifest, metrics, a checkpoint.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath("run/run.json")), 10000);
    QFile metrics(dir.filePath("run/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(metrics.readAll()).trimmed().split('\n').size(), 3);
  }
};

BCJR_GUI_TEST_MAIN(TestTraining)
#include "test_training.moc"
