// The layer map as a user meets it: a finished run folder opened, a linear's map computed off the
// GUI thread, a click on a tile that opens that tile in the Posterior view, and the buttons that
// open the tile with the most flips.
#include "tests/gui/gui_test_main.h"

#include <qcustomplot.h>

#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/layer_map_tab.h"
#include "app/studio/main_window.h"
#include "app/studio/posterior_tab.h"
#include "engine/quant/qat_session.h"
#include "tests/quant/tiny_model.h"
#include "widgets/layer_map_view.h"
#include "widgets/posterior_view.h"

using namespace bcjr;

class TestLayerMap : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void clickingATileReportsItsIndex() {
    widgets::LayerMapView v;
    v.resize(600, 400);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    widgets::LayerMapSnapshot s;
    s.tile_rows = 3;
    s.tile_cols = 4;
    for (int i = 0; i < 12; ++i) s.values.append(i % 5);
    s.metric = "flips";
    v.setSnapshot(s);
    v.plot()->replot();
    QSignalSpy clicked(&v, &widgets::LayerMapView::tileClicked);
    for (int tile : {0, 7, 11}) {
      QTest::mouseClick(v.plot(), Qt::LeftButton, Qt::NoModifier, v.tileCenter(tile));
      QCOMPARE(clicked.last().at(0).toInt(), tile);
      QCOMPARE(v.highlightedTile(), tile);
    }
    // Row 0 is drawn at the top, as the matrix is written.
    QVERIFY(v.tileCenter(0).y() < v.tileCenter(8).y());
    QCOMPARE(v.tileAt(QPoint(1, 1)), -1);
  }

  void aClickOpensThatTileOfTheRunInThePosteriorView() {
    QTemporaryDir dir;
    const std::string model = test::write_tiny_llama(dir.filePath("model").toStdString(), 3);
    const std::string tokens = test::write_token_ids(dir.filePath("tokens.npy").toStdString(), 512, 64, 5);
    quant::QatConfig c = test::tiny_qat_run(model, tokens);
    c.steps = 2;
    c.lr = 0.1;
    c.lr_units = "normalised";
    c.eval_before_after = false;
    quant::QatSession::create(c, dir.filePath("run").toStdString())->run();

    studio::MainWindow w({QString::fromStdString(model), QString::fromStdString(tokens)});
    w.resize(1200, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* map = w.findChild<studio::LayerMapTab*>("layerMapTab");
    auto* posterior = w.findChild<studio::PosteriorTab*>("posteriorTab");
    QVERIFY(map && posterior);
    QVERIFY(w.showView("layermap"));
    map->setRunFolder(dir.filePath("run"));
    map->setLinear(0, "gate_proj");
    map->setMetric("flips");
    map->compute();
    widgets::LayerMapView* view = map->view();
    QTRY_VERIFY_WITH_TIMEOUT(view->snapshot().valid(), 120000);
    QCOMPARE(view->snapshot().tile_rows, 4);  // gate_proj is 64 x 32: 4 x 2 tiles
    QCOMPARE(view->snapshot().tile_cols, 2);
    QVERIFY(view->snapshot().label.contains("hardened, final"));
    view->plot()->replot();
    QTest::mouseClick(view->plot(), Qt::LeftButton, Qt::NoModifier, view->tileCenter(5));
    QCOMPARE(w.findChild<QTabWidget*>()->currentWidget(), posterior);
    QCOMPARE(posterior->source(), studio::PosteriorTab::RunFolder);
    const studio::TileRequest r = posterior->currentRequest();
    QCOMPARE(r.run_layer, 0);
    QCOMPARE(r.run_linear, QString("gate_proj"));
    QCOMPARE(r.run_tile, 5);
    QCOMPARE(r.run_folder, dir.filePath("run"));
    QTRY_VERIFY_WITH_TIMEOUT(posterior->view()->snapshot().label.contains("gate_proj, tile 5"), 120000);
    QCOMPARE(posterior->view()->snapshot().steps, 128);
    // The tile with the most flips: computed if needed, outlined, opened.
    map->setMetric("error");
    map->compute();
    QTRY_VERIFY_WITH_TIMEOUT(view->snapshot().metric == "error", 120000);
    map->showMostFlips();
    QTRY_VERIFY_WITH_TIMEOUT(view->snapshot().metric == "flips" && view->highlightedTile() >= 0, 120000);
    const auto& v = view->snapshot().values;
    const int best = int(std::max_element(v.begin(), v.end()) - v.begin());
    QCOMPARE(view->highlightedTile(), best);
    QCOMPARE(posterior->currentRequest().run_tile, best);
  }

  void aMissingRunSaysSoAndKeepsRunning() {
    QTemporaryDir dir;
    studio::MainWindow w({"default", "default"});
    auto* map = w.findChild<studio::LayerMapTab*>("layerMapTab");
    QSignalSpy message(map, &studio::LayerMapTab::message);
    map->compute();  // no live run
    QTRY_VERIFY_WITH_TIMEOUT(message.count() == 1, 30000);
    QVERIFY(message.last().at(0).toString().contains("no BCJR-QAT run is going"));
    map->setRunFolder(dir.filePath("nothing-here"));
    map->compute();
    QTRY_VERIFY_WITH_TIMEOUT(message.count() == 2, 30000);
    QVERIFY(message.last().at(0).toString().contains("nothing-here"));
  }
};

BCJR_GUI_TEST_MAIN(TestLayerMap)
#include "test_layer_map.moc"
