// The overlay views and the layer map rendered from real run folders, as a person sees them: the
// pictures hold data (not blank), legends stay off the plots, and nothing overflows the window.
// With BCJR_VIEW_RUNS (run folders, separated by ':') and BCJR_VIEW_SHOTS (a folder) set, it draws
// those runs and writes the README's pictures there (scripts/view-screenshots); otherwise it makes
// two tiny runs and writes into a temporary folder.
#include <qcustomplot.h>

#include <QDir>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/layer_map_tab.h"
#include "app/studio/run_traces.h"
#include "engine/quant/qat_session.h"
#include "tests/quant/tiny_model.h"
#include "widgets/drift_budget_view.h"
#include "widgets/layer_map_view.h"
#include "widgets/perplexity_view.h"

using namespace bcjr;

namespace {

QStringList tiny_runs(const QString& root) {
  const std::string model = test::write_tiny_llama((root + "/model").toStdString(), 3);
  const std::string tokens = test::write_token_ids((root + "/tokens.npy").toStdString(), 1024, 64, 5);
  QStringList dirs;
  for (double lr : {0.1, 0.02}) {
    quant::QatConfig c = test::tiny_qat_run(model, tokens);
    c.steps = 4;
    c.lr = lr;
    c.lr_units = "normalised";
    c.eval_every = 2;
    const QString dir = root + QString("/lr%1").arg(lr);
    quant::QatSession::create(c, dir.toStdString())->run();
    dirs << dir;
  }
  return dirs;
}

// Some colours beyond the background: the picture is not blank.
int colours(const QImage& img) {
  QSet<QRgb> seen;
  for (int y = 0; y < img.height(); y += 5)
    for (int x = 0; x < img.width(); x += 5) seen.insert(img.pixel(x, y));
  return int(seen.size());
}

void verify_layout(QCustomPlot* plot) {
  plot->replot();
  const QRect whole = plot->rect().adjusted(-2, -2, 2, 2);  // the layout rounds to a pixel
  for (QCPAxisRect* r : plot->axisRects()) {
    QVERIFY2(whole.contains(r->outerRect()),
             qPrintable(QString("an axis rect (%1 x %2 at %3, %4) overflows the plot (%5 x %6)")
                            .arg(r->outerRect().width())
                            .arg(r->outerRect().height())
                            .arg(r->outerRect().x())
                            .arg(r->outerRect().y())
                            .arg(whole.width())
                            .arg(whole.height())));
    if (plot->legend && plot->legend->visible() && plot->legend->layer() && plot->legend->outerRect().isValid())
      QVERIFY2(!plot->legend->outerRect().intersects(r->rect()), "the legend covers data");
  }
}

}  // namespace

class TestViewScreenshots : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void viewsOfRealRunsAsPictures() {
    QTemporaryDir tmp;
    const QString out = qEnvironmentVariableIsSet("BCJR_VIEW_SHOTS") ? qEnvironmentVariable("BCJR_VIEW_SHOTS") : tmp.path();
    QStringList runs = qEnvironmentVariable("BCJR_VIEW_RUNS").split(':', Qt::SkipEmptyParts);
    if (runs.isEmpty()) runs = tiny_runs(tmp.path());
    // Read, coloured and named as the studio's overlay does (RunOverlay, run_traces.h).
    QVector<widgets::RunTrace> traces;
    for (int i = 0; i < runs.size(); ++i) {
      traces.append(studio::load_run_trace(runs[i]));
      traces.last().color = studio::run_colour(i);
    }
    studio::label_traces(traces);
    QVERIFY(!traces[0].steps.isEmpty());

    widgets::DriftBudgetView drift;
    drift.resize(1200, 560);
    drift.show();
    QVERIFY(QTest::qWaitForWindowExposed(&drift));
    drift.setTraces(traces);
    drift.selectLinear(drift.linears().value(4));  // gate_proj: the largest linear
    verify_layout(drift.plot());
    const QImage d = drift.grab().toImage();
    QVERIFY(colours(d) > 20);
    QVERIFY(d.save(out + "/studio-drift-budget.png"));

    widgets::PerplexityView ppl;
    ppl.resize(1100, 700);
    ppl.show();
    QVERIFY(QTest::qWaitForWindowExposed(&ppl));
    ppl.setTraces(traces);
    verify_layout(ppl.plot());
    QVERIFY(ppl.grab().toImage().save(out + "/studio-perplexity.png"));

    // The layer map of the first run's gate_proj: flips since PTQ, then the tile with the most.
    studio::LayerMapTab map(nullptr);
    map.resize(1100, 640);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    const int layer = traces[0].steps[0].linears[0].layer;
    map.setRunFolder(runs[0]);
    map.setLinear(layer, "gate_proj");
    QSignalSpy opened(&map, &studio::LayerMapTab::openTile);
    map.showMostFlips();
    QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, 600000);
    QVERIFY(map.view()->snapshot().valid());
    QCOMPARE(map.view()->highlightedTile(), opened.last().at(2).toInt());
    verify_layout(map.view()->plot());
    const QImage m = map.grab().toImage();
    QVERIFY(colours(m) > 20);
    QVERIFY(m.save(out + "/studio-layer-map.png"));
  }
};

QTEST_MAIN(TestViewScreenshots)
#include "test_view_screenshots.moc"
