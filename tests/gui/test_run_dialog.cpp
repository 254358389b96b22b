// The Start dialog: presets, the boundary method as an explicit choice, evaluation settings, and
// the cost of the choice shown before Start (with the exact mode's warning).
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "app/studio/run_dialog.h"

using bcjr::studio::RunDialog;

class TestRunDialog : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void showsTheCostOfTheChoiceBeforeStart() {
    RunDialog d("default", "default");
    d.applyPreset("paper");
    auto* cost = d.findChild<QLabel*>("runCost");
    QVERIFY(cost);
    QVERIFY2(cost->text().contains("13824"), qPrintable(cost->text()));  // layer 4 of SmolLM2-135M
    QVERIFY(cost->text().contains("fixed overlap"));
    QVERIFY(!cost->text().contains("multiplies"));
    QVERIFY(cost->text().contains("minutes per step"));  // L = 16 on a CPU: said plainly
    QVERIFY(cost->text().contains("bench/run_cost_rates"));
    // L = 10: auto runs tail-biting BCJR exactly, 64 sweeps per tile, and says what that costs.
    const double before = d.cost().seconds_bcjr;
    d.findChild<QSpinBox*>("stateBits")->setValue(10);
    QVERIFY(d.cost().bcjr_exact);
    QVERIFY2(cost->text().contains("Warning") && cost->text().contains("64"), qPrintable(cost->text()));
    QCOMPARE(d.preset(), QString("custom"));
    // The fixed overlap instead: no multiplier, no warning.
    auto* boundary = d.findChild<QComboBox*>("boundaryMethod");
    boundary->setCurrentIndex(boundary->findText("tail-biting, fixed overlap (hard Viterbi's)"));
    QVERIFY(!d.cost().bcjr_exact);
    QVERIFY(!cost->text().contains("multiplies"));
    QVERIFY(d.cost().seconds_bcjr < before);  // 1024 states against 65,536
    auto j = nlohmann::json::parse(d.configJson().toStdString());
    QCOMPARE(j["quant"]["tailbiting_bcjr"].get<std::string>(), std::string("fixed-overlap"));
    QCOMPARE(j["quant"]["L"].get<int>(), 10);
  }

  void presetsSetWhatTheySay() {
    RunDialog d("default", "default");
    d.applyPreset("cpu-demo");
    auto c = d.config();
    QCOMPARE(c.quant.L, 8);
    QCOMPARE(c.quant.tailbiting_bcjr, std::string("fixed-overlap"));
    QCOMPARE(c.window, int64_t(256));
    QCOMPARE(c.eval_windows, int64_t(4));
    QCOMPARE(c.lr_units, std::string("normalised"));
    QVERIFY(d.findChild<QLabel*>("presetNote")->text().contains("trims"));
    QVERIFY(d.presetSchedule() && *d.presetSchedule() == bcjr::quant::TemperatureSchedule::preset("skip-high-T"));
    QVERIFY(d.cost().seconds_total < 300);  // the estimate itself keeps the demo inside 5 minutes
    d.applyPreset("paper");
    c = d.config();
    QCOMPARE(c.quant.L, 16);
    QCOMPARE(c.lr, 2e-4);
    QCOMPARE(c.lr_units, std::string("weight"));
    QCOMPARE(c.steps, int64_t(10));
    d.applyPreset("gpu");
    c = d.config();
    QCOMPARE(c.eval_every, int64_t(2));  // a GPU run draws a perplexity curve by default
    QCOMPARE(c.lr_units, std::string("normalised"));
    // Evaluation settings reach the configuration.
    d.findChild<QSpinBox*>("evalEvery")->setValue(3);
    d.findChild<QSpinBox*>("evalWindows")->setValue(5);
    c = d.config();
    QCOMPARE(c.eval_every, int64_t(3));
    QCOMPARE(c.eval_windows, int64_t(5));
    QVERIFY(!d.presetSchedule());  // edited: the user's schedule stays
  }

  void theMethodPricesTheRunAndSurvivesPresets() {
    RunDialog d("default", "default");
    d.applyPreset("cpu-demo");
    auto* cost = d.findChild<QLabel*>("runCost");
    const auto bcjr = d.cost();
    QVERIFY(cost->text().contains("BCJR state-steps"));
    auto* method = d.findChild<QComboBox*>("method");
    method->setCurrentText("ste");
    QCOMPARE(d.preset(), QString("custom"));
    QCOMPARE(d.cost().seconds_bcjr, 0.0);
    QVERIFY(d.cost().seconds_per_step < bcjr.seconds_per_step);
    QVERIFY2(!cost->text().contains("BCJR state-steps") && cost->text().contains("no BCJR"), qPrintable(cost->text()));
    method->setCurrentText("rtn");
    QVERIFY2(cost->text().contains("no trellis"), qPrintable(cost->text()));
    // A preset sizes the run; the method chosen stays.
    d.applyPreset("paper");
    QCOMPARE(d.preset(), QString("paper"));
    QCOMPARE(method->currentText(), QString("rtn"));
    QVERIFY(d.config().method == bcjr::quant::QatMethod::Rtn);
  }

  void anUnreadableModelGivesNoEstimateButADialog() {
    RunDialog d("/no/such/model.gguf", "default");
    auto* cost = d.findChild<QLabel*>("runCost");
    QVERIFY(cost->text().contains("No estimate"));
    QVERIFY(cost->text().contains("model.gguf"));
  }
};

QTEST_MAIN(TestRunDialog)
#include "test_run_dialog.moc"
