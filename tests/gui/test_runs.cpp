// Runs in the studio as a user meets them: a run folder opened fills the views; two runs ticked
// overlay, each in its colour, named by what differs; the Export snapshot of the window writes
// each format; a resumed run continues with its own schedule, which the editor then shows; the
// settings stay in the tests' own scope; the dark palette reaches the plots; every plot exports
// as PNG 2x, SVG, PDF and CSV. With BCJR_SCREENSHOT_DIR set, the overlay is saved as PNGs there.
#include "tests/gui/gui_test_main.h"

#include <QDockWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <qcustomplot.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "app/studio/appearance.h"
#include "app/studio/main_window.h"
#include "app/studio/run_overlay.h"
#include "app/studio/run_summary_dialog.h"
#include "app/studio/runs_panel.h"
#include "app/studio/snapshot_export.h"
#include "app/studio/studio_settings.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_index.h"
#include "tests/quant/tiny_model.h"
#include "widgets/drift_budget_view.h"
#include "widgets/perplexity_view.h"
#include "widgets/plot_export.h"
#include "widgets/plot_theme.h"
#include "widgets/schedule_editor.h"

using namespace bcjr;

namespace {

// Finished tiny runs shared by the tests: "skip" and "naive" differ only in their schedule.
struct Runs {
  QTemporaryDir dir;
  QString model, tokens, skip, naive;
};
Runs* g_runs = nullptr;

QString make_run(const QString& dir, const quant::TemperatureSchedule& schedule, bool cancel_after_first = false) {
  quant::QatConfig c = test::tiny_qat_run(g_runs->model.toStdString(), g_runs->tokens.toStdString());
  c.schedule = schedule;
  auto s = quant::QatSession::create(c, dir.toStdString());
  if (cancel_after_first) {
    quant::QatSession* raw = s.get();
    s->set_metrics_callback([raw](const quant::StepMetrics&) { raw->cancel(); });
    try {
      s->run();
    } catch (const Cancelled&) {
    }
  } else {
    s->run();
  }
  return dir;
}

QVector<double> results_ppl(const QString& run) {
  auto j = nlohmann::json::parse(read_file((run + "/results.json").toStdString()));
  QVector<double> out;
  for (const auto& p : j.at("perplexity")) out << p.at("ppl").get<double>();
  return out;
}

QCPGraph* graph_named(QCPAxisRect* rect, const QString& name) {
  for (QCPGraph* g : rect->graphs())
    if (g->name() == name) return g;
  return nullptr;
}

QVector<double> values(QCPGraph* g) {
  QVector<double> v;
  if (!g) return v;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) v.append(it->value);
  return v;
}

void save_screenshot(QWidget* w, const QString& name) {
  const QString dir = qEnvironmentVariable("BCJR_SCREENSHOT_DIR");
  if (dir.isEmpty()) return;
  QTest::qWait(300);  // the plots' queued replots
  QVERIFY(w->grab().save(QDir(dir).filePath(name)));
}

}  // namespace

class TestRuns : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    g_runs = new Runs;
    QVERIFY(g_runs->dir.isValid());
    g_runs->model = QString::fromStdString(test::write_tiny_llama(g_runs->dir.filePath("model").toStdString(), 3));
    g_runs->tokens = QString::fromStdString(
        test::write_token_ids(g_runs->dir.filePath("tokens.npy").toStdString(), 1024, 64, 5));
    QDir().mkpath(g_runs->dir.filePath("runs"));
    g_runs->skip = make_run(g_runs->dir.filePath("runs/skip"), quant::TemperatureSchedule::preset("skip-high-T"));
    g_runs->naive = make_run(g_runs->dir.filePath("runs/naive"), quant::TemperatureSchedule::preset("naive"));
  }
  void cleanupTestCase() { delete g_runs; }

  void aRunFolderOpenedFillsTheViews() {
    studio::MainWindow w({g_runs->model, g_runs->tokens});
    w.openRunFolder(g_runs->skip);
    auto* view = w.findChild<widgets::PerplexityView*>("perplexityView");
    auto* drift = w.findChild<widgets::DriftBudgetView*>("driftBudgetView");
    QTRY_VERIFY_WITH_TIMEOUT(view->traces().size() == 1 && view->traces()[0].steps.size() == 3, 20000);
    // Every step's T is the run's schedule's, on the temperature axis.
    const auto schedule = quant::TemperatureSchedule::preset("skip-high-T");
    QCOMPARE(view->temperatureRect()->graphs().size(), 1);
    const QVector<double> t = values(view->temperatureRect()->graphs()[0]);
    QCOMPARE(t.size(), 3);
    for (int i = 0; i < 3; ++i) QCOMPARE(t[i], schedule.at(i, 3));
    QCOMPARE(values(view->klRect()->graphs()[0]).size(), 3);
    // The run's FP and PTQ perplexities are lines on the perplexity axis.
    QVERIFY(std::isfinite(view->traces()[0].ppl_fp) && std::isfinite(view->traces()[0].ppl_ptq));
    QCOMPARE(drift->linears().size(), 7);  // one per linear of the layer
    QTRY_COMPARE_WITH_TIMEOUT(drift->flipsRect()->plottables().size(), 7, 20000);
    // The panel lists it with its status and perplexities.
    QTreeWidgetItem* item = nullptr;
    for (int i = 0; i < w.runsPanel()->table()->topLevelItemCount(); ++i)
      if (w.runsPanel()->table()->topLevelItem(i)->text(studio::RunsPanel::Name) == "skip")
        item = w.runsPanel()->table()->topLevelItem(i);
    QVERIFY(item);
    QCOMPARE(item->text(studio::RunsPanel::Status), QString("finished"));
    QCOMPARE(item->checkState(studio::RunsPanel::Name), Qt::Checked);
    const auto ppl = results_ppl(g_runs->skip);
    QCOMPARE(item->text(studio::RunsPanel::PplQat), QString::number(ppl.last(), 'f', 4));
    QVERIFY(item->toolTip(studio::RunsPanel::PplQat).contains("fp32"));
  }

  void twoRunsOverlaidWithALegendNamingTheDifference() {
    studio::MainWindow w({g_runs->model, g_runs->tokens});
    w.resize(1400, 900);
    w.show();
    w.runsPanel()->setRoot(g_runs->dir.filePath("runs"));
    QSignalSpy done(w.runsPanel(), &studio::RunsPanel::done);
    QTRY_VERIFY_WITH_TIMEOUT(w.runsPanel()->table()->topLevelItemCount() == 2, 20000);
    w.runsPanel()->setChecked(g_runs->skip, true);
    w.runsPanel()->setChecked(g_runs->naive, true);
    w.showView("perplexity");
    auto* ppl = w.findChild<widgets::PerplexityView*>("perplexityView");
    auto has_both = [&] {
      return graph_named(ppl->temperatureRect(), "skip-high-T: T") && graph_named(ppl->temperatureRect(), "naive: T") &&
             values(graph_named(ppl->temperatureRect(), "naive: T")).size() == 3;
    };
    QTRY_VERIFY_WITH_TIMEOUT(has_both(), 20000);
    QCOMPARE(values(graph_named(ppl->temperatureRect(), "naive: T"))[0], 1.0);  // naive starts at T = 1
    QCOMPARE(values(graph_named(ppl->temperatureRect(), "skip-high-T: T"))[0], 0.3);
    // One colour per run, the same for all its series, different between the runs; the legend
    // names each run once, by its KL curve, by what differs (the schedule).
    const auto traces = w.overlay()->traces();
    QCOMPARE(traces.size(), 2);
    QVERIFY(traces[0].color != traces[1].color);
    QCPGraph* skip_kl = graph_named(ppl->klRect(), "skip-high-T");
    QCPGraph* naive_kl = graph_named(ppl->klRect(), "naive");
    QVERIFY(skip_kl && naive_kl);
    QCOMPARE(skip_kl->pen().color(), graph_named(ppl->temperatureRect(), "skip-high-T: T")->pen().color());
    QVERIFY(skip_kl->pen().color() != naive_kl->pen().color());
    QCustomPlot* plot = ppl->plot();
    QVERIFY(plot->legend->visible());
    // The Flips vs radius view overlays per run too: a trajectory per run and linear, and the
    // linears in a selector rather than the legend.
    auto* drift = w.findChild<widgets::DriftBudgetView*>("driftBudgetView");
    QCOMPARE(drift->flipsRect()->plottables().size(), 14);
    QCOMPARE(drift->linears().size(), 7);
    QVERIFY(graph_named(drift->seriesRect(), "naive: " + drift->selectedLinear() + " drift RMS"));
    save_screenshot(&w, "studio-runs-overlay.png");
    studio::set_dark_palette(true);
    QTest::qWait(100);
    save_screenshot(&w, "studio-runs-overlay-dark.png");
    studio::set_dark_palette(false);
  }

  // The README's pictures of real runs: BCJR_SCREENSHOT_RUNS names run folders (comma-separated)
  // to overlay, BCJR_SCREENSHOT_DIR where the PNGs go. Skipped without them.
  void screenshotsOfRealRuns() {
    const QStringList runs = qEnvironmentVariable("BCJR_SCREENSHOT_RUNS").split(',', Qt::SkipEmptyParts);
    if (runs.isEmpty() || qEnvironmentVariableIsEmpty("BCJR_SCREENSHOT_DIR")) QSKIP("BCJR_SCREENSHOT_RUNS/DIR not set");
    studio::MainWindow w({"default", "default"});
    w.resize(1500, 950);
    w.show();
    w.runsPanel()->setRoot(QFileInfo(runs.first()).absolutePath());
    for (const QString& r : runs) w.runsPanel()->addFolder(r);
    QTRY_VERIFY_WITH_TIMEOUT(w.runsPanel()->table()->topLevelItemCount() >= runs.size(), 20000);
    for (const QString& r : runs) w.runsPanel()->setChecked(r, true);
    QTRY_COMPARE_WITH_TIMEOUT(w.overlay()->traces().size(), runs.size(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!w.overlay()->loading(), 20000);
    for (const char* view : {"perplexity", "flips"}) {
      w.showView(view);
      save_screenshot(&w, QString("studio-runs-%1.png").arg(view));
    }
  }

  void exportFromTheWindowWritesEachFormat() {
    studio::MainWindow w({g_runs->model, g_runs->tokens});
    QTemporaryDir out;
    const QString targets[][2] = {{"pt", out.filePath("l0.pt")}, {"packed", out.filePath("q.safetensors")},
                                  {"hf", out.filePath("hf")}};
    for (const auto& t : targets) {
      QSignalSpy finished(w.exporter(), &studio::SnapshotExporter::finished);
      QSignalSpy failed(w.exporter(), &studio::SnapshotExporter::failed);
      QVERIFY(w.exportSnapshot(g_runs->skip, t[0], t[1]));
      QVERIFY(w.exporter()->busy());
      QVERIFY(!w.exportSnapshot(g_runs->skip, t[0], t[1]));  // one at a time
      QTRY_VERIFY_WITH_TIMEOUT(finished.size() + failed.size() == 1, 60000);
      QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
      QVERIFY(QFileInfo::exists(t[1]));
    }
    QVERIFY(QFileInfo::exists(out.filePath("hf/model.safetensors")));
    QVERIFY(QFileInfo::exists(out.filePath("hf/config.json")));
    // The dialog proposes a path per format next to the run, and the summary offers Export.
    studio::ExportSnapshotDialog d(g_runs->skip);
    QCOMPARE(d.outPath(), g_runs->dir.filePath("runs/skip-layer0.pt"));
    d.setFormat("packed");
    QCOMPARE(d.outPath(), g_runs->dir.filePath("runs/skip.safetensors"));
    studio::RunSummaryDialog summary(g_runs->skip);
    QVERIFY(summary.text().contains("fp32"));
    QVERIFY(summary.text().contains(QString::number(results_ppl(g_runs->skip).last(), 'f', 4)));
    QSignalSpy wants(&summary, &studio::RunSummaryDialog::exportRequested);
    auto* button = summary.findChild<QPushButton*>("summaryExport");
    QVERIFY(button && button->isEnabled());
    button->click();
    QCOMPARE(wants.size(), 1);
    // A failure reaches the user as a message naming the folder, not a crash.
    QSignalSpy failed(w.exporter(), &studio::SnapshotExporter::failed);
    QString shown;
    QTimer dismiss;
    connect(&dismiss, &QTimer::timeout, [&] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        shown = box->text();
        box->close();
      }
    });
    dismiss.start(50);
    QVERIFY(w.exportSnapshot(out.filePath("no-such-run"), "pt", out.filePath("x.pt")));
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
    QVERIFY(failed[0][0].toString().contains("no-such-run"));
    QTRY_VERIFY_WITH_TIMEOUT(shown.contains("no-such-run"), 5000);
  }

  void resumeUsesTheRunsOwnSchedule() {
    QTemporaryDir tmp;
    const QString run = make_run(tmp.filePath("cut"), quant::TemperatureSchedule::preset("naive"), true);
    QCOMPARE(quant::read_run_status(run.toStdString()).state, quant::RunState::Cancelled);
    studio::MainWindow w({g_runs->model, g_runs->tokens});
    auto* editor = w.findChild<widgets::ScheduleEditor*>("scheduleEditor");
    QCOMPARE(editor->steps(), 10);  // the editor's own default before
    w.resumeTraining(run);
    // The editor shows what runs: the run's schedule over its steps, so an edit during the run
    // (sent as the editor's T per step) keeps it.
    const auto naive = quant::TemperatureSchedule::preset("naive");
    QCOMPARE(editor->steps(), 3);
    const QVector<double> t = editor->temperatures();
    QCOMPARE(t.size(), 3);
    for (int i = 0; i < 3; ++i) QVERIFY(std::abs(t[i] - naive.at(i, 3)) < 1e-12);
    QTRY_VERIFY_WITH_TIMEOUT(quant::read_run_status(run.toStdString()).state == quant::RunState::Finished, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(w.findChild<studio::RunSummaryDialog*>(), 10000);  // the end-of-run summary
    // The run went on from its checkpoint with its own schedule.
    QFile metrics(run + "/metrics.jsonl");
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = metrics.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    for (int i = 0; i < 3; ++i)
      QCOMPARE(nlohmann::json::parse(lines[i].toStdString()).at("T").get<double>(), naive.at(i, 3));
  }

  void settingsStayInTheTestsOwnScope() {
    QSettings s;
    QVERIFY(!s.fileName().contains("bcjr-studio"));
    QVERIFY(s.fileName().contains("BCJR Studio Tests"));
    QVERIFY(!QDir::home().exists(".config/BCJR Studio/bcjr-studio.conf") ||
            !s.fileName().startsWith(QDir::homePath() + "/.config/BCJR Studio/"));
    studio::StudioSettings::clearRecent(studio::RecentKind::Model);
    {
      studio::MainWindow w({g_runs->model, g_runs->tokens});
      w.resize(1111, 777);
      w.show();
      QVERIFY(studio::StudioSettings::recent(studio::RecentKind::Model).first().endsWith("/model"));
      QVERIFY(studio::StudioSettings::recent(studio::RecentKind::Text).first().endsWith("tokens.npy"));
      w.findChild<QDockWidget*>("runsDock")->hide();
      w.close();  // saves the layout
    }
    studio::MainWindow again({g_runs->model, g_runs->tokens});
    again.show();
    QTRY_COMPARE_WITH_TIMEOUT(again.size(), QSize(1111, 777), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(again.findChild<QDockWidget*>("runsDock")->isHidden(), 5000);
    studio::StudioSettings::setLastFolder(studio::FileKind::Plot, g_runs->dir.filePath("runs/skip/run.json"));
    QCOMPARE(studio::StudioSettings::lastFolder(studio::FileKind::Plot), g_runs->dir.filePath("runs/skip"));
    QCOMPARE(studio::StudioSettings::lastFolder(studio::FileKind::Snapshot, "fallback"), QString("fallback"));
    for (int i = 0; i < 15; ++i) studio::StudioSettings::addRecent(studio::RecentKind::Run, QString("/r%1").arg(i));
    QCOMPARE(studio::StudioSettings::recent(studio::RecentKind::Run).size(), studio::StudioSettings::kMaxRecent);
    QCOMPARE(studio::StudioSettings::recent(studio::RecentKind::Run).first(), QString("/r14"));
    QVERIFY(studio::StudioSettings::recent(studio::RecentKind::Run, true).isEmpty());
  }

  void theDarkPaletteReachesEveryPlot() {
    studio::MainWindow w({"default", "default"});
    w.show();
    const QList<QCustomPlot*> plots = widgets::plots_in(&w);
    QVERIFY(plots.size() >= 5);
    studio::set_dark_palette(true);
    QApplication::processEvents();  // palette changes reach widgets as posted events
    const QPalette p = QApplication::palette();
    QVERIFY(widgets::is_dark(p));
    for (QCustomPlot* plot : plots) {
      QCOMPARE(plot->axisRect()->backgroundBrush().color(), p.color(QPalette::Base));
      QCOMPARE(plot->toPixmap(300, 200).toImage().pixelColor(1, 1), p.color(QPalette::Base));
      QCOMPARE(plot->xAxis->tickLabelColor(), p.color(QPalette::Text));
      QCOMPARE(plot->xAxis->basePen().color(), p.color(QPalette::WindowText));
      // No line stays too dark to see on the dark background.
      for (int i = 0; i < plot->plottableCount(); ++i) {
        const QColor c = plot->plottable(i)->pen().color();
        if (plot->plottable(i)->pen().style() != Qt::NoPen && c.alpha() > 0) QVERIFY2(c.lightness() > 60, qPrintable(plot->plottable(i)->name()));
      }
    }
    studio::set_dark_palette(false);
    QApplication::processEvents();
    for (QCustomPlot* plot : plots)
      QCOMPARE(plot->toPixmap(300, 200).toImage().pixelColor(1, 1), QApplication::palette().color(QPalette::Base));
    QVERIFY(!widgets::is_dark(QApplication::palette()));
  }

  void everyPlotExportsAsPngSvgPdfAndCsv() {
    studio::MainWindow w({"default", "default"});
    w.resize(1200, 800);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.viewsReady(), 60000);
    QTemporaryDir out;
    int heat_maps = 0;
    const QList<QCustomPlot*> plots = widgets::plots_in(&w);
    for (int k = 0; k < plots.size(); ++k) {
      QCustomPlot* plot = plots[k];
      const QString base = out.filePath(QString("plot%1").arg(k));
      QString error;
      for (const char* ext : {".png", ".svg", ".pdf", ".csv"})
        QVERIFY2(widgets::save_plot(plot, base + ext, 2.0, &error), qPrintable(error));
      QImage png(base + ".png");
      QVERIFY(!png.isNull());
      QCOMPARE(png.width(), 2 * (plot->width() >= 200 && plot->height() >= 150 ? plot->width() : 900));
      QFile svg(base + ".svg");
      QVERIFY(svg.open(QIODevice::ReadOnly));
      QVERIFY(svg.readAll().contains("<svg"));
      QFile pdf(base + ".pdf");
      QVERIFY(pdf.open(QIODevice::ReadOnly));
      QVERIFY(pdf.read(4) == "%PDF");
      QFile csv(base + ".csv");
      QVERIFY(csv.open(QIODevice::ReadOnly));
      const QString header = QString::fromUtf8(csv.readLine()).trimmed();
      QVERIFY(header == "series,x,y" || header == "series,x,y,z");
      if (header.endsWith(",z")) {
        int rows = 0;
        while (!csv.readLine().isEmpty()) ++rows;
        // Every cell of a map: the posterior's has more than 100 (the layer map's placeholder, before
        // a run is chosen, and the transfer matrix may have fewer).
        heat_maps += rows > 100;
      }
    }
    QVERIFY(heat_maps >= 1);
  }
};

BCJR_GUI_TEST_MAIN(TestRuns)
#include "test_runs.moc"
