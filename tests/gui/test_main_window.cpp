// The main window as a user meets it: menus, the model named in the title, the schedule view,
// plot export, and the screenshot the README's pictures come from.
#include "tests/gui/gui_test_main.h"
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QMenuBar>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QTabWidget>

#include "app/studio/learn_tab.h"
#include "app/studio/main_window.h"
#include "app/studio/message_bar.h"
#include "app/studio/run_dialog.h"
#include "engine/core/runtime.h"
#include <QTextBrowser>

#include "widgets/curve_plot.h"
#include "widgets/guided_tour.h"
#include "widgets/learn_panel.h"
#include "widgets/schedule_editor.h"

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hasTheFourMenus() {
    bcjr::studio::MainWindow w({"default", "default"});
    QStringList titles;
    for (QAction* a : w.menuBar()->actions()) titles << a->text().remove('&');
    QCOMPARE(titles, QStringList({"File", "Run", "View", "Help"}));
  }

  void runDialogOffersAndPreselectsCudaOnlyWhereThereIsADeviceAndTheLrUnits() {
    bcjr::studio::RunDialog d("default", "default");
    auto* device = d.findChild<QComboBox*>("device");
    QVERIFY(device);
    QCOMPARE(device->itemText(0), QString("cpu"));
    QCOMPARE(device->count() > 1, bcjr::cuda_available());
    QCOMPARE(device->isEnabled(), bcjr::cuda_available());
    d.applyPreset("default");
    auto j = nlohmann::json::parse(d.configJson({}).toStdString());
    QCOMPARE(QString::fromStdString(j.at("device").get<std::string>()),
             QString(bcjr::cuda_available() ? "cuda" : "cpu"));
    // The default rate is the engine's (normalised units, measured to move codewords).
    QCOMPARE(QString::fromStdString(j.at("lr_units").get<std::string>()), QString("normalised"));
    QCOMPARE(j.at("lr").get<double>(), 0.05);
    auto* units = d.findChild<QComboBox*>("lrUnits");
    QVERIFY(units);
    units->setCurrentText("weight");
    j = nlohmann::json::parse(d.configJson({}).toStdString());
    QCOMPARE(QString::fromStdString(j.at("lr_units").get<std::string>()), QString("weight"));
  }

  void namesAMissingModelWithoutCrashing() {
    QTemporaryDir dir;
    bcjr::studio::MainWindow w({dir.filePath("no-such-model.gguf"), "default"});
    QVERIFY(w.modelPath().isEmpty());
    QVERIFY(w.windowTitle() == "BCJR Studio");
  }

  void engineWorkerErrorsReachTheMessageBar() {
    bcjr::studio::MainWindow w({"default", "default"});
    auto* bar = w.findChild<bcjr::studio::MessageBar*>("messageBar");
    QVERIFY(bar);
    // Where the default model is absent (a bare GPU machine) the bar already names it; the engine
    // worker's error must still arrive and replace it.
    QVERIFY(!bar->message().contains("no BCJR-QAT run is going"));
    // A tile of the training run while none is going: the engine worker's error, shown, not thrown.
    w.findChild<QComboBox*>("posteriorSource")->setCurrentIndex(1);
    QTRY_VERIFY_WITH_TIMEOUT(bar->message().contains("no BCJR-QAT run is going"), 30000);
    QVERIFY(!bar->isHidden());
    QVERIFY(w.isEnabled());
  }

  void scheduleEditorStartsAtThePapersSchedule() {
    bcjr::studio::MainWindow w({"default", "default"});
    auto* editor = w.findChild<bcjr::widgets::ScheduleEditor*>("scheduleEditor");
    QVERIFY(w.showView("layermap") && w.showView("flips") && w.showView("perplexity"));
    QVERIFY(editor);
    auto t = editor->temperatures();
    QCOMPARE(t.size(), 10);
    QVERIFY(qAbs(t.first() - 0.3) < 1e-12);
    QVERIFY(qAbs(t.last() - 0.05) < 1e-12);
    for (int i = 1; i < t.size(); ++i) QVERIFY(t[i] < t[i - 1]);
  }

  void learnTabTeachesFromTheBundledPages() {
    bcjr::studio::MainWindow w({"default", "default"});
    QVERIFY(w.showView("learn"));
    QVERIFY(w.showView("ising"));  // the old name still opens it
    auto* tab = w.findChild<bcjr::studio::LearnTab*>("learnTab");
    QVERIFY(tab);
    auto* tour = tab->panel()->tour();
    QVERIFY(tour->pageCount() >= 5 && tour->pageCount() <= 8);
    QVERIFY(tour->browser()->toPlainText().contains("spin chain"));
    // The tab computes its first chain by itself, off the GUI thread.
    QTRY_VERIFY_WITH_TIMEOUT(tab->hasResult(), 30000);
    QCOMPARE(tab->panel()->snapshot().states, 16);
  }

  void plotExportsPngAndCsv() {
    QTemporaryDir dir;
    bcjr::widgets::CurvePlot plot;
    plot.resize(400, 300);
    plot.setSeries("a", {0, 1, 2}, {1.0, 0.5, 0.25});
    plot.appendPoint("a", 3, 0.125);
    plot.refresh();
    QVERIFY(plot.savePng(dir.filePath("p.png"), 2.0));
    QImage img(dir.filePath("p.png"));
    QCOMPARE(img.width(), 800);
    QVERIFY(plot.saveCsv(dir.filePath("p.csv")));
    QFile f(dir.filePath("p.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines[0], QString("series,x,y"));
    QCOMPARE(lines[4], QString("\"a\",3,0.125"));
  }

  void everyViewFitsAThousandPixelWideWindow() {
    bcjr::studio::MainWindow w({"default", "default"});
    w.resize(1000, 700);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.width(), 1000);  // no view's minimum forces the window wider
    auto* tabs = w.findChild<QTabWidget*>("views");
    QVERIFY(tabs);
    // Every page fits the room the tab widget has beside the model dock.
    const int room = tabs->currentWidget()->width();
    for (int i = 0; i < tabs->count(); ++i)
      QVERIFY2(tabs->widget(i)->minimumSizeHint().width() <= room,
               qPrintable(QString("%1 needs %2 pixels of %3").arg(tabs->tabText(i)).arg(tabs->widget(i)->minimumSizeHint().width()).arg(room)));
  }

  void screenshotRendersTheWholeWindow() {
    bcjr::studio::MainWindow w({"default", "default"});
    w.resize(1000, 700);
    w.show();
    QImage img = w.grab().toImage();
    QCOMPARE(img.width(), 1000);
    QCOMPARE(img.height(), 700);
    // Not a blank image: the window draws more than a few colours.
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
      for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
    QVERIFY(colours.size() > 10);
  }
};

BCJR_GUI_TEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
