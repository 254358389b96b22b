// The views as a user drives them, fed the same plain snapshots the engine's worker sends.
#include "tests/gui/gui_test_main.h"
#include <qcustomplot.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "widgets/curve_plot.h"
#include "widgets/flips_view.h"
#include "widgets/posterior_view.h"
#include "widgets/schedule_editor.h"

using namespace bcjr::widgets;

class TestWidgets : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void scheduleEditorInterpolatesInLogT() {
    ScheduleEditor e;
    e.setSteps(10);
    e.setExponential(0.3, 0.05);
    auto t = e.temperatures();
    QCOMPARE(t.size(), 10);
    for (int i = 0; i < 10; ++i) QVERIFY(std::abs(t[i] - 0.3 * std::pow(0.05 / 0.3, i / 9.0)) < 1e-12);
  }

  void scheduleEditorMergesSortsAndClampsPoints() {
    ScheduleEditor e;
    e.setSteps(5);
    QSignalSpy spy(&e, &ScheduleEditor::scheduleChanged);
    e.setPoints({QPointF(4, 0.05), QPointF(0, 1.0), QPointF(2, 0.2), QPointF(2, 0.3), QPointF(9, 1e-9)});
    QCOMPARE(spy.count(), 1);
    auto p = e.points();
    QCOMPARE(p.size(), 3);
    QCOMPARE(p[0], QPointF(0, 1.0));
    QCOMPARE(p[1], QPointF(2, 0.3));
    QCOMPARE(p[2].x(), 4.0);
    QCOMPARE(p[2].y(), ScheduleEditor::kMinT);  // step 9 clamped to 4 replaced the 0.05 there
    QCOMPARE(e.temperatures()[2], 0.3);
  }

  void scheduleEditorDragChangesT() {
    ScheduleEditor e;
    e.resize(600, 400);
    e.show();
    QVERIFY(QTest::qWaitForWindowExposed(&e));
    e.setExponential(0.3, 0.05);
    e.plot()->replot();
    auto* plot = e.plot();
    QPoint start(int(plot->xAxis->coordToPixel(0)), int(plot->yAxis->coordToPixel(0.3)));
    QPoint end(start.x(), int(plot->yAxis->coordToPixel(0.1)));
    QSignalSpy spy(&e, &ScheduleEditor::scheduleChanged);
    QTest::mousePress(plot, Qt::LeftButton, Qt::NoModifier, start);
    QMouseEvent move(QEvent::MouseMove, end, plot->mapToGlobal(end), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    QTest::mouseRelease(plot, Qt::LeftButton, Qt::NoModifier, end);
    QCOMPARE(spy.count(), 1);
    QVERIFY(std::abs(e.points()[0].y() - 0.1) < 0.01);
  }

  void posteriorViewShowsConfidence() {
    PosteriorView v;
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
    PosteriorSnapshot bad = s;
    bad.marginals.removeLast();
    QVERIFY(!bad.valid());
    v.setSnapshot(bad);
    QCOMPARE(v.meanConfidence(), 0.0);
  }

  void flipsViewKeepsOneSeriesPerLinearAndQuantity() {
    FlipsView v;
    for (int step = 0; step < 3; ++step) {
      FlipSnapshot s;
      s.linear = "q_proj";
      s.step = step;
      s.flips = 10 * step;
      s.drift_rms = 0.001 * step;
      s.radius = 0.14;
      s.predicted = 2e-4 * step;
      v.addSnapshot(s);
    }
    QCOMPARE(v.flipsPlot()->seriesNames(), QStringList({"q_proj"}));
    QCOMPARE(v.flipsPlot()->seriesY("q_proj"), QVector<double>({0, 10, 20}));
    QCOMPARE(v.driftPlot()->seriesNames().size(), 3);
  }
};

BCJR_GUI_TEST_MAIN(TestWidgets)
#include "test_widgets.moc"
