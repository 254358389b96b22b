// The views that overlay runs: several RunTraces drawn together, one colour per run, legends that
// name the runs and sit outside the data, and quantities of different units on axes of their own.
#include <qcustomplot.h>

#include <QComboBox>
#include <QtTest>
#include <cmath>

#include <QTemporaryDir>

#include "app/studio/run_overlay.h"
#include "widgets/drift_budget_view.h"
#include "widgets/perplexity_view.h"

using namespace bcjr::widgets;

namespace {

RunTrace trace(const QString& label, QColor color, double lr, bool with_eval) {
  RunTrace t;
  t.id = "/runs/" + label;
  t.label = label;
  t.color = color;
  t.ppl_fp = 45.2;
  t.ppl_ptq = 48.3;
  t.ppl_qat = 46.0 + lr;
  t.ppl_protocol = "held-out mobydick.txt, ctx 2048, 27 windows, fp32";
  for (int i = 0; i < 10; ++i) {
    StepSnapshot s;
    s.step = i;
    s.temperature = 0.3 * std::pow(0.05 / 0.3, i / 9.0);
    s.kl = 0.07 * std::exp(-0.05 * i * (1 + lr));
    s.eval_ppl = with_eval && i % 2 == 1 ? 48 - 0.2 * i : -1;
    for (const char* name : {"q_proj", "k_proj", "down_proj"}) {
      FlipSnapshot f;
      f.linear = QString("L4 %1").arg(name);
      f.layer = 4;
      f.step = i;
      f.drift_rms = 0.01 * (i + 1) * (1 + lr);
      f.radius = 0.0875;
      f.predicted = 0.048 * (i + 1);
      f.trellis_steps = 1000;
      f.flips = std::max(0.0, 40.0 * (f.drift_rms / f.radius - 0.3));
      s.linears.append(f);
    }
    t.steps.append(s);
  }
  return t;
}

QVector<double> values(QCPGraph* g) {
  QVector<double> v;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) v.append(it->value);
  return v;
}

// The legend's box must not overlap any axis rect (it would cover data).
void verify_legend_outside(QCustomPlot* plot) {
  plot->replot();
  QVERIFY(plot->legend);
  const QRect legend = plot->legend->outerRect();
  QVERIFY(!legend.isEmpty());
  for (QCPAxisRect* r : plot->axisRects()) QVERIFY2(!legend.intersects(r->rect()), "the legend covers a plot");
}

}  // namespace

class TestRunViews : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void perplexityViewDrawsEachRunWithItsOwnAxes() {
    PerplexityView v;
    v.resize(1100, 750);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setTraces({trace("lr 0.05", Qt::blue, 0.05, true), trace("lr 0.01", Qt::red, 0.01, false)});
    QCustomPlot* p = v.plot();
    QCOMPARE(p->axisRects().size(), 3);
    // Perplexity, KL and T on separate value axes; KL and T logarithmic.
    QCPAxis* ppl = v.perplexityRect()->axis(QCPAxis::atLeft);
    QCPAxis* kl = v.klRect()->axis(QCPAxis::atLeft);
    QCPAxis* t = v.temperatureRect()->axis(QCPAxis::atLeft);
    QVERIFY(ppl != kl && kl != t && ppl != t);
    QCOMPARE(kl->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(t->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(ppl->scaleType(), QCPAxis::stLinear);
    // Each graph on the KL axis is a KL curve of one run, in its colour; likewise for T.
    QCOMPARE(kl->graphs().size(), 2);
    QCOMPARE(kl->graphs()[0]->pen().color(), QColor(Qt::blue));
    QCOMPARE(kl->graphs()[1]->pen().color(), QColor(Qt::red));
    QCOMPARE(values(kl->graphs()[1])[0], 0.07);
    QCOMPARE(values(t->graphs()[0])[9], 0.05);
    // Perplexity: run 1's evaluations (5 points), FP and PTQ lines and QAT stars for both runs.
    QCPGraph* eval = nullptr;
    int fp_lines = 0;
    for (QCPGraph* g : ppl->graphs()) {
      if (g->name() == "lr 0.05: held-out perplexity") eval = g;
      if (g->name().endsWith(": FP")) {
        ++fp_lines;
        QCOMPARE(values(g), QVector<double>({45.2, 45.2}));
      }
    }
    QVERIFY(eval);
    QCOMPARE(values(eval).size(), 5);
    QCOMPARE(fp_lines, 2);
    QVERIFY(ppl->range().contains(45.2) && ppl->range().contains(48.3));
    // The legend names the runs by their labels, and keys the line styles.
    QStringList names;
    for (int i = 0; i < p->legend->itemCount(); ++i)
      if (auto* item = qobject_cast<QCPPlottableLegendItem*>(p->legend->item(i))) names << item->plottable()->name();
    QVERIFY(names.contains("lr 0.05") && names.contains("lr 0.01"));
    QVERIFY(names.contains("FP perplexity") && names.contains("PTQ perplexity"));
    verify_legend_outside(p);
    QVERIFY(p->plotLayout()->element(0, 0));
    auto* title = qobject_cast<QCPTextElement*>(p->plotLayout()->element(0, 0));
    QVERIFY(title && title->text().contains("27 windows"));
  }

  void driftBudgetViewPlotsFlipFractionsAgainstDriftOverRadius() {
    DriftBudgetView v;
    v.resize(1200, 650);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setTraces({trace("lr 0.05", Qt::blue, 0.05, true), trace("lr 0.01", Qt::red, 0.01, true)});
    QCOMPARE(v.linears(), QStringList({"L4 q_proj", "L4 k_proj", "L4 down_proj"}));
    QCOMPARE(v.linearSelector()->count(), 3);  // a selector, not a 21-entry legend
    QCustomPlot* p = v.plot();
    // Left: one trajectory per (run, linear) with x = drift / r and y = flips / trellis steps.
    QCOMPARE(v.flipsRect()->plottables().size(), 6);
    auto* curve = qobject_cast<QCPCurve*>(v.flipsRect()->plottables()[0]);
    QVERIFY(curve);
    const double x9 = 0.01 * 10 * 1.05 / 0.0875;
    const auto last = curve->data()->at(curve->data()->size() - 1);
    QVERIFY(std::abs(last->key - x9) < 1e-12);
    QVERIFY(std::abs(last->value - std::max(0.0, 40.0 * (x9 - 0.3)) / 1000) < 1e-12);
    QVERIFY(v.flipsRect()->axis(QCPAxis::atBottom)->range().contains(1.0));  // the threshold in view
    bool threshold = false;
    for (int i = 0; i < p->itemCount(); ++i)
      if (auto* line = qobject_cast<QCPItemStraightLine*>(p->item(i)))
        threshold = line->point1->coords().x() == 1 && line->point2->coords().x() == 1;
    QVERIFY(threshold);
    // Right: the selected linear's drift, r and prediction, in normalised units, over the steps.
    auto series_named = [&](const QString& name) -> QCPGraph* {
      for (QCPGraph* g : v.seriesRect()->graphs())
        if (g->name() == name) return g;
      return nullptr;
    };
    QVERIFY(series_named("lr 0.05: L4 q_proj drift RMS"));
    QCOMPARE(values(series_named("lr 0.01: L4 q_proj radius r")).size(), 10);
    v.selectLinear("L4 down_proj");
    QVERIFY(series_named("lr 0.05: L4 down_proj predicted drift"));
    QVERIFY(!series_named("lr 0.05: L4 q_proj drift RMS"));
    verify_legend_outside(p);
    int entries = 0;
    for (int i = 0; i < p->legend->itemCount(); ++i) entries += p->legend->item(i) != nullptr;
    QCOMPARE(entries, 5);  // two runs and three line styles
  }

  // The live run is one trace of the overlay (RunOverlay, which also feeds the Runs panel's ticked
  // runs): its steps as they come, its FP / PTQ / QAT perplexities as they are measured.
  void theLiveRunIsOneTraceAmongOthers() {
    QTemporaryDir dir;
    bcjr::studio::RunOverlay overlay;
    overlay.startLive(dir.filePath("live"));  // no folder yet: nothing on disk to read first
    QTRY_VERIFY_WITH_TIMEOUT(!overlay.loading(), 10000);
    overlay.appendLive(trace("x", Qt::black, 0, false).steps[0]);
    overlay.setLivePerplexity("PTQ", 48.3, "protocol");
    auto all = overlay.traces();
    QCOMPARE(all.size(), 1);
    QVERIFY(all[0].live);
    QCOMPARE(all[0].steps.size(), 1);
    QCOMPARE(all[0].ppl_ptq, 48.3);
    QCOMPARE(all[0].ppl_protocol, QString("protocol"));
    QVERIFY(std::isnan(all[0].ppl_fp));
    // A redone step (a resumed run) replaces the old one rather than drawing it twice.
    overlay.appendLive(trace("x", Qt::black, 0, false).steps[0]);
    QCOMPARE(overlay.traces()[0].steps.size(), 1);
    // The live run's folder ticked in the panel is drawn once, with the live steps.
    overlay.setRuns({dir.filePath("live")});
    QTRY_VERIFY_WITH_TIMEOUT(!overlay.loading(), 10000);
    QCOMPARE(overlay.traces().size(), 1);
    QCOMPARE(overlay.traces()[0].steps.size(), 1);
    PerplexityView v;
    v.setTraces(overlay.traces());
    QCOMPARE(v.traces().size(), 1);
  }
};

QTEST_MAIN(TestRunViews)
#include "test_run_views.moc"
