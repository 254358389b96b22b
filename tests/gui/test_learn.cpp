// The Learn tab as a newcomer uses it: the exact chain from the worker, drawn as a trellis with
// every state and edge, a spin chain, curves and a transfer matrix; the T slider and a dragged
// weight update all of it through the worker thread; stale requests are dropped.
#include "tests/gui/gui_test_main.h"
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QComboBox>
#include <QTextBrowser>
#include <QtTest>
#include <cmath>

#include "app/studio/learn_tab.h"
#include "app/studio/learn_worker.h"
#include "widgets/guided_tour.h"
#include "widgets/learn_panel.h"
#include "widgets/spin_chain_view.h"
#include "widgets/thermodynamics_plot.h"
#include "widgets/transfer_matrix_view.h"
#include "widgets/trellis_diagram.h"

using bcjr::studio::LearnTab;
using bcjr::studio::LearnWorker;
using namespace bcjr::widgets;

namespace {
ChainRequest small_request(bool tailbiting) {
  ChainRequest r;
  r.L = 3;
  r.k = 1;
  r.V = 1;
  r.n = 6;
  r.code = "1mad";
  r.tailbiting = tailbiting;
  r.T = 0.2;
  r.seed = 5;
  r.matrix_step = 2;
  return r;
}

double sum(const QVector<double>& v, int from, int count) {
  double s = 0;
  for (int i = from; i < from + count; ++i) s += v[i];
  return s;
}
}  // namespace

class TestLearn : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void workerSendsAConsistentExactSnapshot() {
    for (bool ring : {false, true}) {
      const ChainSnapshot s = LearnWorker::snapshot(small_request(ring));
      QVERIFY(s.valid());
      QCOMPARE(s.states, 8);
      QCOMPARE(s.steps, 6);
      QCOMPARE(s.symbols, 2);
      QCOMPARE(s.edges, ring ? 6 : 5);
      QCOMPARE(s.bits, ring ? 6 : 8);
      QCOMPARE(s.request.weights.size(), 6);
      QCOMPARE(s.ground_states.size(), 6);
      QCOMPARE(s.ground_bits.size(), s.bits);
      QCOMPARE(s.transfer.size(), 64);
      for (int t = 0; t < s.steps; ++t) QVERIFY(std::abs(sum(s.state_marginals, t * 8, 8) - 1) < 1e-12);
      for (int e = 0; e < s.edges; ++e) QVERIFY(std::abs(sum(s.edge_marginals, e * 16, 16) - 1) < 1e-12);
      QVERIFY(std::abs(sum(s.site_energy_mean, 0, s.steps) - s.energy) < 1e-12);
      QVERIFY(std::abs(s.free_energy - (s.energy - s.request.T * s.entropy)) < 1e-12);
      QVERIFY(s.curves.valid());
      QCOMPARE(s.curves.T.size(), 61);
      QCOMPARE(s.curves.T.first(), LearnPanel::kMinT);
      QCOMPARE(s.curves.T.last(), LearnPanel::kMaxT);
      // Cold end of the curve: frozen on the ground state.
      QVERIFY(std::abs(s.curves.energy.first() - s.ground_energy) < 1e-6);
    }
  }

  void viewsDrawEveryStateEdgeSpinAndMatrixCell() {
    for (bool ring : {false, true}) {
      const ChainSnapshot s = LearnWorker::snapshot(small_request(ring));
      TrellisDiagram trellis;
      trellis.resize(700, 500);
      trellis.setSnapshot(s);
      trellis.grab();
      QCOMPARE(trellis.drawnStates(), 6 * 8);
      QCOMPARE(trellis.drawnEdges(), (ring ? 6 : 5) * 8 * 2);
      SpinChainView chain;
      chain.resize(700, 250);
      chain.setSnapshot(s);
      chain.grab();
      QCOMPARE(chain.drawnSpins(), ring ? 6 : 8);
      QCOMPARE(chain.drawnCouplings(), 6);
      TransferMatrixView matrix;
      matrix.setSnapshot(s);
      QCOMPARE(matrix.edgeCells(), 8 * 2);
      QCOMPARE(matrix.blankCells(), 64 - 16);
      ThermodynamicsPlot curves;
      curves.setCurves(s.curves);
      curves.setTemperature(s.request.T);
      QCOMPARE(curves.markedTemperature(), 0.2);
      int best = 0;
      for (int i = 1; i < s.curves.T.size(); ++i)
        if (s.curves.heat_capacity[i] > s.curves.heat_capacity[best]) best = i;
      QCOMPARE(curves.peakTemperature(), s.curves.T[best]);
      QVERIFY(best > 0 && best + 1 < s.curves.T.size());  // an interior maximum: the crossover
    }
  }

  void sliderAndDraggedWeightUpdateEverything() {
    LearnTab tab;
    tab.resize(1400, 900);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    LearnPanel* panel = tab.panel();
    QTRY_VERIFY_WITH_TIMEOUT(tab.hasResult(), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(panel->request().weights.size(), panel->request().n, 10000);
    const double entropy_before = panel->snapshot().entropy;

    // The slider's far end is T = 10: hot, disordered, high entropy.
    QTest::keyClick(panel->temperatureSlider(), Qt::Key_End);
    QTRY_VERIFY_WITH_TIMEOUT(std::abs(panel->snapshot().request.T - 10) < 1e-9, 30000);
    QVERIFY(panel->snapshot().entropy > entropy_before);
    QCOMPARE(panel->curves()->markedTemperature(), panel->snapshot().request.T);
    // The near end is T = 0.001: every step's marginal sits on the ground state.
    QTest::keyClick(panel->temperatureSlider(), Qt::Key_Home);
    QTRY_VERIFY_WITH_TIMEOUT(std::abs(panel->snapshot().request.T - 1e-3) < 1e-12, 30000);
    const ChainSnapshot cold = panel->snapshot();
    for (int t = 0; t < cold.steps; ++t) QVERIFY(cold.stateMarginal(t, cold.ground_states[t]) > 0.99);

    // Drag weight 3 downwards with the mouse.
    TrellisDiagram* trellis = panel->trellis();
    const QPointF from = trellis->weightPosition(3);
    const QPoint start = from.toPoint(), end = start + QPoint(0, 30);
    const float before = panel->request().weights[3];
    QTest::mousePress(trellis, Qt::LeftButton, Qt::NoModifier, start);
    QMouseEvent move(QEvent::MouseMove, QPointF(end), trellis->mapToGlobal(QPointF(end)), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(trellis, &move);
    QTest::mouseRelease(trellis, Qt::LeftButton, Qt::NoModifier, end);
    const float after = panel->request().weights[3];
    QVERIFY(after < before - 0.05f);
    QVERIFY(std::abs(after - trellis->valueAt(end.y())) < 1e-5);
    QTRY_VERIFY_WITH_TIMEOUT(panel->snapshot().request.weights.value(3) == after, 30000);
    QVERIFY(panel->snapshot().log_z != cold.log_z);
    // The ground energy is that of the new tile: recomputed, not carried over.
    double e = 0;
    const ChainSnapshot now = panel->snapshot();
    for (int t = 0; t < now.steps; ++t) {
      const double d = now.codebook[now.ground_states[t]] - now.request.weights[t];
      e += d * d;
    }
    QVERIFY(std::abs(e - now.ground_energy) < 1e-6);
  }

  void fitsBesideTheDocksOfASmallWindow() {
    LearnPanel panel;
    // The window's left dock takes 300 px: the tab must fit in a 1000 px window beside it.
    QVERIFY2(panel.minimumSizeHint().width() <= 680, qPrintable(QString::number(panel.minimumSizeHint().width())));
  }

  // Every corner of the exact range reaches the views (with BCJR_SCREENSHOT_DIR set, each is also
  // saved as a PNG to look at).
  void everyCornerOfTheRangeIsDrawn() {
    LearnTab tab;
    tab.resize(1300, 860);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    LearnPanel* panel = tab.panel();
    struct Setting {
      int L, k, n;
      QString code;
      int boundary;
      double T;
    };
    for (const Setting& c : {Setting{4, 1, 12, "1mad", 0, 0.1}, Setting{3, 1, 8, "1mad", 1, 0.3},
                             Setting{8, 1, 32, "1mad", 1, 0.05}, Setting{8, 2, 32, "hyb", 1, 0.2},
                             Setting{2, 1, 2, "hyb", 1, 10}, Setting{6, 2, 20, "3inst", 0, 0.001}}) {
      panel->findChild<QComboBox*>("learnCode")->setCurrentText(c.code);
      panel->findChild<QSpinBox*>("learnK")->setValue(c.k);
      panel->findChild<QSpinBox*>("learnL")->setValue(c.L);
      panel->findChild<QSpinBox*>("learnN")->setValue(c.n);
      panel->findChild<QComboBox*>("learnBoundary")->setCurrentIndex(c.boundary);
      panel->setTemperature(c.T);
      const QString name = QString("L%1-k%2-n%3-%4-%5").arg(c.L).arg(c.k).arg(c.n).arg(c.code).arg(c.boundary);
      QTRY_VERIFY2_WITH_TIMEOUT(panel->snapshot().request.L == c.L && panel->snapshot().request.n == c.n &&
                                    panel->snapshot().request.code == c.code &&
                                    panel->snapshot().request.tailbiting == (c.boundary == 1) &&
                                    std::abs(panel->snapshot().request.T - panel->temperature()) < 1e-12 &&
                                    panel->snapshot().curves.valid(),
                                qPrintable(name), 60000);
      const ChainSnapshot& s = panel->snapshot();
      QCOMPARE(s.states, 1 << c.L);
      QVERIFY(s.curves.valid());
      QTest::qWait(100);  // the queued replots
      const QImage img = tab.grab().toImage();
      QVERIFY(!img.isNull());
      QCOMPARE(panel->trellis()->drawnStates(), s.steps * s.states);
      const QString dir = qEnvironmentVariable("BCJR_SCREENSHOT_DIR");
      if (!dir.isEmpty()) QVERIFY(img.save(dir + "/learn-" + name + ".png"));
    }
  }

  void slowCurvesFollowThePosteriorAndAreReusedForAnotherT() {
    LearnWorker w;
    QSignalSpy ready(&w, &LearnWorker::ready);
    ChainRequest r = small_request(true);
    r.L = 6;
    r.n = 32;  // a ring of 32 overlaps: the curve is the slow part
    r.generation = w.nextGeneration();
    w.compute(r);
    QCOMPARE(ready.count(), 2);
    const auto first = ready.at(0).at(0).value<ChainSnapshot>(), second = ready.at(1).at(0).value<ChainSnapshot>();
    QVERIFY(first.valid() && !first.curves.valid());
    QVERIFY(second.curves.valid());
    QCOMPARE(first.log_z, second.log_z);
    r.T = 0.5;  // same tile, another T: one answer, the same curves
    r.generation = w.nextGeneration();
    w.compute(r);
    QCOMPARE(ready.count(), 3);
    const auto third = ready.at(2).at(0).value<ChainSnapshot>();
    QVERIFY(third.log_z != second.log_z);
    QCOMPARE(third.curves.heat_capacity, second.curves.heat_capacity);
  }

  void staleRequestsAreDropped() {
    LearnWorker w;
    QSignalSpy ready(&w, &LearnWorker::ready);
    ChainRequest a = small_request(false), b = small_request(false);
    a.generation = w.nextGeneration();
    b.generation = w.nextGeneration();
    w.compute(a);  // superseded by b before it ran
    QCOMPARE(ready.count(), 0);
    w.compute(b);
    QCOMPARE(ready.count(), 1);
  }

  void tourPagesAndLinksDriveThePanel() {
    LearnPanel panel;
    GuidedTour* tour = panel.tour();
    QVERIFY(tour->pageCount() >= 5 && tour->pageCount() <= 8);
    const QString dir = qEnvironmentVariable("BCJR_SCREENSHOT_DIR");
    tour->resize(300, 560);
    for (int i = 0; i < tour->pageCount(); ++i) {
      QVERIFY(tour->pageText(i).size() > 300);
      tour->setPage(i);
      QVERIFY(tour->browser()->toPlainText().size() > 300);
      if (!dir.isEmpty()) QVERIFY(tour->grab().save(dir + QString("/tour-%1.png").arg(i + 1)));
    }
    tour->setPage(0);
    auto* next = tour->findChild<QPushButton*>("tourNext");
    QTest::mouseClick(next, Qt::LeftButton);
    QCOMPARE(tour->currentPage(), 1);
    Q_EMIT tour->browser()->anchorClicked(QUrl("learn:T=0.001"));
    QVERIFY(std::abs(panel.temperature() - 1e-3) < 1e-12);
    Q_EMIT tour->browser()->anchorClicked(QUrl("learn:step=4"));
    QCOMPARE(panel.request().matrix_step, 4);
    Q_EMIT tour->browser()->anchorClicked(QUrl("learn:boundary=tailbiting"));
    QVERIFY(panel.request().tailbiting);
  }

  void sizesOutsideTheExactRangeAreExplainedNotThrown() {
    LearnTab tab;
    LearnPanel* panel = tab.panel();
    panel->findChild<QSpinBox*>("learnL")->setValue(8);
    panel->findChild<QSpinBox*>("learnN")->setValue(4);
    panel->findChild<QComboBox*>("learnBoundary")->setCurrentIndex(1);
    auto* info = panel->findChild<QLabel*>("learnInfo");
    QTRY_VERIFY_WITH_TIMEOUT(info->text().contains("n*k >= L"), 30000);
  }
};

BCJR_GUI_TEST_MAIN(TestLearn)
#include "test_learn.moc"
