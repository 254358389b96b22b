// The schedule editor as a user drives it: a drag with the mouse (one undoable command), typing,
// adding and removing points, stretching with the step count, presets, per-phase schedules, and
// saving and loading the engine's schedule JSON.
#include <qcustomplot.h>

#include <QPushButton>
#include <QSignalSpy>
#include <QTabBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <cmath>
#include <random>

#include "app/studio/schedule_conversion.h"
#include "app/studio/schedule_tab.h"
#include "engine/quant/qat_config.h"
#include "widgets/schedule_editor.h"

using namespace bcjr;
using widgets::ScheduleEditor;

namespace {
QPoint pixel(QCustomPlot* plot, double step, double T) {
  return QPoint(int(std::lround(plot->xAxis->coordToPixel(step))), int(std::lround(plot->yAxis->coordToPixel(T))));
}
void move_to(QWidget* w, const QPoint& p) {
  QMouseEvent move(QEvent::MouseMove, p, w->mapToGlobal(p), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(w, &move);
}
double expo(double t0, double tmin, int i, int n) { return t0 * std::pow(tmin / t0, double(i) / (n - 1)); }
}  // namespace

class TestScheduleEditor : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void startsAtThePapersScheduleAsTwoPointsInLogT() {
    ScheduleEditor e;
    QCOMPARE(e.points(), QVector<QPointF>({QPointF(0, 0.3), QPointF(9, 0.05)}));
    const auto t = e.temperatures();
    QCOMPARE(t.size(), 10);
    for (int i = 0; i < 10; ++i) QVERIFY(std::abs(t[i] - expo(0.3, 0.05, i, 10)) < 1e-12);
    QCOMPARE(e.undoStack()->count(), 0);
  }

  void aDragWithTheMouseIsOneCommandAndUndoes() {
    ScheduleEditor e;
    e.resize(800, 450);
    e.show();
    QVERIFY(QTest::qWaitForWindowExposed(&e));
    e.plot()->replot();
    QCustomPlot* plot = e.plot();
    const auto before = e.state();
    QSignalSpy changed(&e, &ScheduleEditor::scheduleChanged);
    const QPoint start = pixel(plot, 0, 0.3);
    QTest::mousePress(plot, Qt::LeftButton, Qt::NoModifier, start);
    // Several moves, as a hand makes them: up, then right by two steps and further up.
    move_to(plot, pixel(plot, 0, 0.4));
    move_to(plot, pixel(plot, 1, 0.45));
    const QPoint end = pixel(plot, 2, 0.5);
    move_to(plot, end);
    QCOMPARE(changed.count(), 0);  // nothing reaches a run while the point is held
    QTest::mouseRelease(plot, Qt::LeftButton, Qt::NoModifier, end);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(e.points()[0].x(), 2.0);
    QVERIFY(std::abs(e.points()[0].y() - 0.5) < 0.01);
    QCOMPARE(e.undoStack()->count(), 1);  // the drag merged into one command
    e.undoStack()->undo();
    QVERIFY(e.state() == before);
    QCOMPARE(changed.count(), 2);
    e.undoStack()->redo();
    QCOMPARE(e.points()[0].x(), 2.0);
    // A second drag is a second command.
    QTest::mousePress(plot, Qt::LeftButton, Qt::NoModifier, pixel(plot, 9, 0.05));
    move_to(plot, pixel(plot, 9, 0.02));
    QTest::mouseRelease(plot, Qt::LeftButton, Qt::NoModifier, pixel(plot, 9, 0.02));
    QCOMPARE(e.undoStack()->count(), 2);
    e.undoStack()->undo();
    QCOMPARE(e.points()[1], QPointF(9, 0.05));
  }

  void changingTheStepCountStretchesInsteadOfClamping() {
    ScheduleEditor e;
    e.setPoints({QPointF(0, 1.0), QPointF(3, 0.2), QPointF(9, 0.05)});
    QSignalSpy steps(&e, &ScheduleEditor::stepsChanged);
    e.setSteps(19);
    QCOMPARE(steps.count(), 1);
    QCOMPARE(e.points(), QVector<QPointF>({QPointF(0, 1.0), QPointF(6, 0.2), QPointF(18, 0.05)}));
    QCOMPARE(e.temperatures().size(), 19);
    QCOMPARE(e.temperatures()[6], 0.2);
    // Shrinking keeps every point too (the old editor clamped them onto the last step).
    e.setSteps(4);
    QCOMPARE(e.points(), QVector<QPointF>({QPointF(0, 1.0), QPointF(1, 0.2), QPointF(3, 0.05)}));
    // An exponential stays the same exponential over the new length.
    ScheduleEditor x;
    x.setSteps(25);
    for (int i = 0; i < 25; ++i) QVERIFY(std::abs(x.temperatures()[i] - expo(0.3, 0.05, i, 25)) < 1e-12);
    // Undo brings back the old length and the points on it.
    e.undoStack()->undo();
    e.undoStack()->undo();
    QCOMPARE(e.steps(), 10);
    QCOMPARE(e.points()[1], QPointF(3, 0.2));
  }

  void pointsAreTypedAddedAndRemoved() {
    ScheduleEditor e;
    QTableWidget* table = e.table();
    QCOMPARE(table->rowCount(), 2);
    table->item(1, 1)->setText("0.02");
    QCOMPARE(e.points()[1].y(), 0.02);
    table->item(1, 1)->setText("hot");  // not a number: the table shows the point again
    QCOMPARE(table->item(1, 1)->text(), QString("0.02"));
    QCOMPARE(e.points()[1].y(), 0.02);
    const double t5 = e.temperatures()[5];
    QTest::mouseClick(e.findChild<QPushButton*>("addPoint"), Qt::LeftButton);
    QCOMPARE(e.points().size(), 3);
    QCOMPARE(e.points()[1].x(), 5.0);  // the middle of the widest gap, on the curve
    QVERIFY(std::abs(e.points()[1].y() - t5) < 1e-12);
    table->selectRow(1);
    QTest::mouseClick(e.findChild<QPushButton*>("removePoint"), Qt::LeftButton);
    QCOMPARE(e.points().size(), 2);
    table->item(0, 0)->setText("4");  // a typed step moves the point (and keeps them sorted)
    QCOMPARE(e.points()[0].x(), 4.0);
    QCOMPARE(e.undoStack()->count(), 4);
  }

  void rightClickRemovesAndDoubleClickAdds() {
    ScheduleEditor e;
    e.resize(800, 450);
    e.show();
    QVERIFY(QTest::qWaitForWindowExposed(&e));
    e.plot()->replot();
    QTest::mouseDClick(e.plot(), Qt::LeftButton, Qt::NoModifier, pixel(e.plot(), 4, 1.0));
    QCOMPARE(e.points().size(), 3);
    QCOMPARE(e.points()[1].x(), 4.0);
    e.plot()->replot();
    QTest::mousePress(e.plot(), Qt::RightButton, Qt::NoModifier, pixel(e.plot(), 4, e.points()[1].y()));
    QCOMPARE(e.points().size(), 2);
  }

  void theEditorAndTheEngineGiveTheSameTemperatures() {
    std::mt19937 rng(std::random_device{}());
    std::uniform_real_distribution<double> logT(-2.5, 0.5);
    for (int trial = 0; trial < 20; ++trial) {
      widgets::PhaseSchedule p;
      p.log_t = trial % 2 == 0;
      const int n = 1 + int(rng() % 5);
      for (int i = 0; i < n; ++i) p.points.append(QPointF(double(rng() % 30) + (i % 2 ? 0.5 : 0), std::pow(10, logT(rng))));
      p.points = widgets::tidy_points(p.points);
      const int steps = 1 + int(rng() % 40);
      const auto engine = studio::engine_schedule(p, steps);
      const auto editor = widgets::schedule_temperatures(p, steps);
      for (int i = 0; i < steps; ++i)
        QVERIFY2(std::abs(editor[i] - engine.at(i, steps)) < 1e-12 * editor[i],
                 qPrintable(QString("trial %1 step %2: %3 vs %4").arg(trial).arg(i).arg(editor[i]).arg(engine.at(i, steps))));
      // And back: the engine's schedule drawn as points gives the same temperatures again.
      const auto again = studio::editor_schedule(engine, steps);
      const auto t2 = widgets::schedule_temperatures(again, steps);
      for (int i = 0; i < steps; ++i) QVERIFY(std::abs(t2[i] - editor[i]) < 1e-12 * editor[i]);
    }
  }

  void presetsAreTheEnginesSchedules() {
    studio::ScheduleTab tab;
    tab.editor()->setSteps(12);
    tab.setT0(0.8);
    tab.setTmin(0.02);
    for (const QString name : {"cosine", "linear", "exponential", "constant", "naive"}) {
      tab.applyPreset(name);
      quant::TemperatureSchedule want = quant::TemperatureSchedule::constant(0.8);
      if (name == "cosine") want = quant::TemperatureSchedule::cosine(0.8, 0.02);
      if (name == "linear") want = quant::TemperatureSchedule::linear(0.8, 0.02);
      if (name == "exponential") want = quant::TemperatureSchedule::exponential(0.8, 0.02);
      if (name == "naive") want = quant::TemperatureSchedule::preset("naive");
      const auto t = tab.editor()->temperatures();
      for (int i = 0; i < 12; ++i) QVERIFY2(std::abs(t[i] - want.at(i, 12)) < 1e-9, qPrintable(name));
    }
    QCOMPARE(tab.schedule(0).kind(), quant::TemperatureSchedule::Kind::Exponential);  // naive: still an exponential
  }

  void perPhaseSchedulesAreSavedLoadedAndGivenToTheRun() {
    QTemporaryDir dir;
    studio::ScheduleTab tab;
    tab.setPhaseLayers({4, 8});
    ScheduleEditor* e = tab.editor();
    QCOMPARE(e->phaseCount(), 2);
    QVERIFY(e->phaseBar()->isVisibleTo(&tab));
    e->setCurrentPhase(1);
    tab.setT0(0.2);
    tab.applyPreset("constant");
    QCOMPARE(tab.schedule(1).kind(), quant::TemperatureSchedule::Kind::Constant);
    QCOMPARE(tab.schedule(0).kind(), quant::TemperatureSchedule::Kind::Exponential);
    QVERIFY(tab.saveFile(dir.filePath("phases.json")).isEmpty());
    // The file is the engine's: what `bcjr train --phase-schedules` reads.
    const auto list = quant::TemperatureSchedule::parse_list(dir.filePath("phases.json").toStdString());
    QCOMPARE(int(list.size()), 2);
    QVERIFY(list[1] == quant::TemperatureSchedule::constant(0.2));
    studio::ScheduleTab other;
    QVERIFY(!other.loadFile(dir.filePath("phases.json")).isEmpty());  // 2 schedules, 1 phase: refused
    other.setPhaseLayers({4, 8});
    QVERIFY(other.loadFile(dir.filePath("phases.json")).isEmpty());
    QVERIFY(other.editor()->state() == e->state());
    // The run takes them in the order of its layers.
    quant::QatConfig c;
    c.layers = {4, 8};
    c.multi_layer = "independent";
    QVERIFY(tab.applyTo(c).isEmpty());
    QCOMPARE(int(c.phase_schedules.size()), 2);
    QVERIFY(c.phase_schedules[1] == quant::TemperatureSchedule::constant(0.2));
    c.validate();
    // A run of other layers gets a schedule per layer too, the new ones from the first's.
    c.layers = {4, 8, 12};
    QVERIFY(!tab.applyTo(c).isEmpty());
    QCOMPARE(tab.phaseLayers(), QVector<int>({4, 8, 12}));
    QVERIFY(c.phase_schedules[2] == c.phase_schedules[0]);
    // A joint run has one phase: the first schedule, no per-phase list.
    c.multi_layer = "joint";
    tab.applyTo(c);
    QVERIFY(c.phase_schedules.empty());
    c.validate();
  }

  void theRunningPhaseAndStepAreMarked() {
    studio::ScheduleTab tab;
    tab.setPhaseLayers({4, 8});
    ScheduleEditor* e = tab.editor();
    e->setRunPosition(1, 3);
    QVERIFY(e->phaseBar()->tabText(1).contains("running"));
    QVERIFY(!e->phaseBar()->tabText(0).contains("running"));
    e->setCurrentPhase(0);
    QCOMPARE(e->plot()->graph(2)->data()->size(), 0);  // no marker on a phase that is not running
    e->setCurrentPhase(1);
    QCOMPARE(e->plot()->graph(2)->data()->size(), 2);
    QCOMPARE(e->plot()->graph(2)->data()->at(0)->key, 3.0);
    // Undo of the per-layer split takes the controls back to one schedule.
    e->undoStack()->undo();
    QCOMPARE(e->phaseCount(), 1);
    QVERIFY(tab.phaseLayers().isEmpty());
  }

  void aBadFileIsNamedAndChangesNothing() {
    QTemporaryDir dir;
    QFile f(dir.filePath("bad.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"kind": "exponential", "t0": 0.3})");
    f.close();
    studio::ScheduleTab tab;
    const auto before = tab.editor()->state();
    const QString error = tab.loadFile(dir.filePath("bad.json"));
    QVERIFY2(error.contains("bad.json") && error.contains("tmin"), qPrintable(error));
    QVERIFY(tab.editor()->state() == before);
  }
};

QTEST_MAIN(TestScheduleEditor)
#include "test_schedule_editor.moc"
