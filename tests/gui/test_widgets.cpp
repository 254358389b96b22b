// The views as a user drives them, fed the same plain snapshots the engine's worker sends.
#include "tests/gui/gui_test_main.h"
#include <qcustomplot.h>

#include <QSignalSpy>
#include <QSlider>
#include <QtTest>
#include <cmath>

#include "widgets/log_slider.h"
#include "widgets/posterior_view.h"

using namespace bcjr::widgets;

class TestWidgets : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void posteriorViewShowsConfidenceAndIntegerSymbols() {
    PosteriorView v;
    v.resize(700, 500);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    PosteriorSnapshot s;
    s.label = "tile 0";
    s.temperature = 0.1;
    s.steps = 8;
    s.symbols = 4;
    for (int t = 0; t < 8; ++t)
      for (int u = 0; u < 4; ++u) s.marginals.append(u == t % 4 ? 0.7f : 0.1f);
    for (int t = 0; t < 8; ++t) s.expected.append(0.1 * t), s.stddev.append(0.05), s.target.append(0.1 * t + 0.01);
    for (int t = 0; t < 8; ++t) s.viterbi_symbols.append(t % 4);
    v.setSnapshot(s);
    QVERIFY(std::abs(v.meanConfidence() - 0.7) < 1e-6);
    // The symbol axis ticks whole symbols only.
    v.plot()->replot();
    QCPAxis* symbols = v.plot()->axisRects()[0]->axis(QCPAxis::atLeft);
    const QVector<double> ticks = symbols->tickVector();
    QVERIFY(!ticks.isEmpty());
    for (double t : ticks) QCOMPARE(t, std::round(t));
    PosteriorSnapshot bad = s;
    bad.marginals.removeLast();
    QVERIFY(!bad.valid());
    v.setSnapshot(bad);
    QCOMPARE(v.meanConfidence(), 0.0);
  }

  void logSliderLabelsDecadesAndKeepsItsValue() {
    LogSlider slider(std::pow(10.0, -2.5), std::pow(10.0, 0.5));
    slider.resize(500, 60);
    slider.show();
    QVERIFY(QTest::qWaitForWindowExposed(&slider));
    QCOMPARE(slider.ticks(), QVector<double>({0.01, 0.03, 0.1, 0.3, 1, 3}));
    QSignalSpy changed(&slider, &LogSlider::valueChanged);
    slider.setValue(0.1);
    QVERIFY(std::abs(slider.value() - 0.1) < 1e-12);
    slider.setValue(0.05);
    QVERIFY(std::abs(std::log10(slider.value()) - std::log10(0.05)) <= 0.005);  // a position per 1% of a decade
    QVERIFY(changed.count() >= 1);
    // Ticks are where the handle stands for their values: equal steps per decade, in order.
    const int a = slider.pixelOf(0.01), b = slider.pixelOf(0.1), c = slider.pixelOf(1);
    QVERIFY(a < b && b < c);
    QVERIFY(std::abs((b - a) - (c - b)) <= 1);
    QVERIFY(std::abs((slider.pixelOf(0.3) - b) - std::log10(3.0) * (c - b)) <= 2);  // 0.48 of a decade
  }
};

BCJR_GUI_TEST_MAIN(TestWidgets)
#include "test_widgets.moc"
