// The studio's worker as the window uses it: real trellis computations delivered as snapshots.
#include "tests/gui/gui_test_main.h"
#include <QSignalSpy>
#include <QtTest>
#include <cmath>

#include "app/studio/engine_worker.h"
#include "app/studio/main_window.h"
#include "app/studio/posterior_tab.h"
#include "widgets/posterior_view.h"

using bcjr::studio::EngineWorker;
using bcjr::studio::TileRequest;

class TestEngineWorker : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void coldPosteriorFollowsTheViterbiPath() {
    TileRequest r;
    r.L = 8;
    r.code = "1mad";
    r.V = 1;
    r.n = 64;
    r.T = 1e-3;
    r.seed = 7;
    auto s = EngineWorker::posterior(r);
    QVERIFY(s.valid());
    QCOMPARE(s.steps, 64);
    QCOMPARE(s.symbols, 4);
    QCOMPARE(s.viterbi_symbols.size(), 64);
    for (int t = 0; t < s.steps; ++t) QVERIFY(s.marginals[t * 4 + s.viterbi_symbols[t]] > 0.99f);
  }

  void hotPosteriorIsSpreadOut() {
    TileRequest r;
    r.L = 8;
    r.code = "1mad";
    r.V = 1;
    r.n = 64;
    r.T = 3.0;
    auto s = EngineWorker::posterior(r);
    // Mean over steps of the most likely symbol's probability (a fixed tail-biting overlap pins
    // the last few symbols, so look at the average, not the maximum).
    double mean_max = 0;
    for (int t = 0; t < s.steps; ++t)
      mean_max += *std::max_element(s.marginals.begin() + t * 4, s.marginals.begin() + t * 4 + 4) / double(s.steps);
    QVERIFY(mean_max < 0.7);
  }

  void badRequestIsReportedNotThrown() {
    EngineWorker w;
    QSignalSpy failed(&w, &EngineWorker::failed);
    TileRequest r;
    r.L = 40;
    r.generation = w.nextGeneration();
    w.computePosterior(r);
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.at(0).at(0).toString().contains("L"));
  }

  void windowDrawsAPosteriorFromItsWorkerThread() {
    bcjr::studio::MainWindow w({"default", "default"});
    auto* view = w.findChild<bcjr::widgets::PosteriorView*>("posteriorView");
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(view->snapshot().valid(), 20000);
    QCOMPARE(view->snapshot().steps, 128);
  }
};

BCJR_GUI_TEST_MAIN(TestEngineWorker)
#include "test_engine_worker.moc"
