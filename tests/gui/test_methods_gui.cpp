// The method comparison in the studio: the Start dialog's method selector, and JacQuant's slope
// histogram fed plain values and then filled live by a real JacQuant run on the tiny random Llama.
#include "tests/gui/gui_test_main.h"
#include <QComboBox>
#include <QLabel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "app/studio/main_window.h"
#include "app/studio/run_dialog.h"
#include "app/studio/training_worker.h"
#include "tests/quant/tiny_model.h"
#include "widgets/slope_histogram.h"

using namespace bcjr;

namespace {

widgets::SlopeSnapshot slopes(const QString& linear, QVector<double> counts, double mean) {
  widgets::SlopeSnapshot s;
  s.linear = linear;
  s.lo = 0;
  s.hi = 3;
  s.counts = std::move(counts);
  s.mean = mean;
  s.sd = 0.1;
  s.min = mean - 0.2;
  s.max = mean + 0.2;
  s.probe = 0.8;
  s.dither = 0.9;
  return s;
}

}  // namespace

class TestMethodsGui : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void slopeHistogramPoolsTheLinearsAndShowsOne() {
    widgets::SlopeHistogram h;
    h.resize(600, 400);
    h.setSlopes({slopes("L4 q_proj", {1, 2, 0}, 0.5), slopes("L4 k_proj", {0, 3, 4}, 2.0)}, 6);
    h.refresh();
    QCOMPARE(h.counts(), QVector<double>({1, 5, 4}));
    QCOMPARE(h.binCentres(), QVector<double>({0.5, 1.5, 2.5}));
    // Pooled over 3 + 7 tiles: mean (3 * 0.5 + 7 * 2.0) / 10.
    QVERIFY2(h.title().contains("after step 7") && h.title().contains("mean 1.550"), qPrintable(h.title()));
    h.selectLinear("L4 k_proj");
    QCOMPARE(h.counts(), QVector<double>({0, 3, 4}));
    QCOMPARE(h.selectedLinear(), QString("L4 k_proj"));
    // The next step keeps the selection.
    h.setSlopes({slopes("L4 q_proj", {3, 0, 0}, 0.5), slopes("L4 k_proj", {0, 0, 7}, 2.5)}, 7);
    h.refresh();
    QCOMPARE(h.counts(), QVector<double>({0, 0, 7}));
  }

  void slopeHistogramSaysWhenARunHasNoSlopes() {
    widgets::SlopeHistogram h;
    h.refresh();
    QVERIFY(h.counts().isEmpty());
    auto* label = h.findChild<QLabel*>();
    QVERIFY(label && label->text().contains("only JacQuant runs"));
  }

  void runDialogCarriesTheMethod() {
    studio::RunDialog d("default", "default");
    auto* method = d.findChild<QComboBox*>("method");
    QVERIFY(method);
    QCOMPARE(method->count(), 5);
    QCOMPARE(method->currentText(), QString("bcjr"));
    auto j = nlohmann::json::parse(d.configJson({}).toStdString());
    QCOMPARE(QString::fromStdString(j.at("method").get<std::string>()), QString("bcjr"));
    method->setCurrentText("jacquant");
    j = nlohmann::json::parse(d.configJson({}).toStdString());
    QCOMPARE(QString::fromStdString(j.at("method").get<std::string>()), QString("jacquant"));
    QVERIFY(j.contains("jacquant"));
    if (qEnvironmentVariableIsSet("BCJR_SCREENSHOT_DIR")) {
      d.show();
      QTest::qWait(200);
      d.grab().save(qEnvironmentVariable("BCJR_SCREENSHOT_DIR") + "/run-dialog-method.png");
    }
  }

  void jacquantRunFillsTheSlopeView() {
    QTemporaryDir dir;
    const std::string model = test::write_tiny_llama(dir.filePath("model").toStdString(), 3);
    const std::string tokens = test::write_token_ids(dir.filePath("tokens.npy").toStdString(), 4096, 64, 5);
    quant::QatConfig c = test::tiny_qat_run(model, tokens);
    c.method = quant::QatMethod::JacQuant;
    c.lr = 1e-2;
    c.lr_units = "weight";
    studio::MainWindow w({QString::fromStdString(model), QString::fromStdString(tokens)});
    w.resize(1280, 800);
    studio::TrainRequest r;
    r.config_json = QString::fromStdString(c.to_json().dump());
    r.run_dir = dir.filePath("run");
    w.startTraining(r);
    auto* h = w.findChild<widgets::SlopeHistogram*>("slopeHistogram");
    QVERIFY(h);
    QVERIFY(w.showView("slopes"));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath("run/results.json")) && !h->counts().isEmpty(), 300000);
    QTRY_VERIFY_WITH_TIMEOUT(h->title().contains("after step 3"), 60000);
    double tiles = 0;
    for (double n : h->counts()) tiles += n;
    QCOMPARE(tiles, 36.0);  // the 7 linears of layer 0: 4 + 2 + 2 + 4 + 8 + 8 + 8 tiles
    // BCJR_SCREENSHOT_DIR: keep a picture of the view (for looking at it, not asserted).
    if (qEnvironmentVariableIsSet("BCJR_SCREENSHOT_DIR")) {
      w.show();
      QTest::qWait(300);
      w.grab().save(qEnvironmentVariable("BCJR_SCREENSHOT_DIR") + "/slopes-tab.png");
    }
  }
};

BCJR_GUI_TEST_MAIN(TestMethodsGui)
#include "test_methods_gui.moc"
