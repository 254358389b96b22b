// The studio's event-loop latency measurement: the histogram's percentiles against sorting the
// samples, on fresh random inputs; and the monitor sees a blocked GUI thread.
#include "tests/gui/gui_test_main.h"
#include <QThread>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <random>

#include "app/studio/latency_monitor.h"

using bcjr::studio::LatencyHistogram;
using bcjr::studio::LatencyMonitor;

class TestLatencyMonitor : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void histogramPercentilesMatchSortedSamples() {
    std::mt19937_64 rng(std::random_device{}());
    for (int trial = 0; trial < 20; ++trial) {
      // Mostly sub-millisecond, a tail of tens of ms and, in some trials, a few beyond the 2 s range.
      std::lognormal_distribution<double> body(std::log(0.2), 1.0);
      std::exponential_distribution<double> tail(1.0 / 40.0);
      const int n = 1 + int(rng() % 5000);
      std::vector<double> v;
      LatencyHistogram h;
      for (int i = 0; i < n; ++i) {
        double x = (rng() % 20 == 0) ? tail(rng) : body(rng);
        if (trial % 4 == 3 && rng() % 500 == 0) x = 2500.0 + double(rng() % 1000);
        v.push_back(x);
        h.add(x);
      }
      std::sort(v.begin(), v.end());
      QCOMPARE(h.count(), qint64(n));
      QCOMPARE(h.max(), v.back());
      for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
        // Nearest rank: the smallest sample with at least ceil(q n) samples at or below it.
        const size_t rank = size_t(std::max<qint64>(1, qint64(std::ceil(q * n))));
        const double exact = v[rank - 1];
        const double got = h.percentile(q);
        if (exact < LatencyHistogram::kBins * LatencyHistogram::kBinMs) {
          QVERIFY2(got >= exact - 1e-12 && got <= exact + LatencyHistogram::kBinMs + 1e-9,
                   qPrintable(QString("q %1: histogram %2, sorted %3").arg(q).arg(got).arg(exact)));
        } else {
          QCOMPARE(got, v.back());  // beyond the range: the exact maximum
        }
      }
    }
  }

  void emptyHistogramSaysZero() {
    LatencyHistogram h;
    QCOMPARE(h.percentile(0.5), 0.0);
    h.add(-3.0);  // an early tick is not late
    QCOMPARE(h.max(), 0.0);
    QCOMPARE(h.count(), qint64(1));
  }

  void monitorSeesABlockedGuiThread() {
    LatencyMonitor m(10);
    m.start();
    QTest::qWait(300);
    QThread::msleep(150);  // the GUI thread does something it should not
    QTest::qWait(100);
    m.stop();
    const auto s = m.stats();
    QVERIFY2(s.samples >= 10, qPrintable(s.describe()));
    QVERIFY2(s.max_ms >= 135, qPrintable(s.describe()));
    QVERIFY(s.p50_ms <= s.p99_ms && s.p99_ms <= s.max_ms);
    QVERIFY(s.describe().contains("p99"));
    // Stopped: no more samples.
    QTest::qWait(100);
    QCOMPARE(m.stats().samples, s.samples);
  }

  void discardedIntervalIsNotASample() {
    LatencyMonitor m(10);
    m.start();
    QTest::qWait(100);
    QThread::msleep(400);  // work done for a script (a screenshot), not for the user
    m.discardCurrentInterval();
    QTest::qWait(100);
    m.stop();
    QVERIFY2(m.stats().max_ms < 300, qPrintable(m.stats().describe()));
    QVERIFY(m.stats().samples >= 5);
  }
};

BCJR_GUI_TEST_MAIN(TestLatencyMonitor)
#include "test_latency_monitor.moc"
