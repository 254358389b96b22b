// The main window as a user meets it: menus, the model named in the title, the schedule view,
// plot export, and the screenshot the README's pictures come from.
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QMenuBar>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/main_window.h"
#include "widgets/curve_plot.h"

class TestMainWindow : public QObject {
  Q_OBJECT
 private slots:
  void hasTheFourMenus() {
    bcjr::studio::MainWindow w({"default", "default"});
    QStringList titles;
    for (QAction* a : w.menuBar()->actions()) titles << a->text().remove('&');
    QCOMPARE(titles, QStringList({"File", "Run", "View", "Help"}));
  }

  void namesAMissingModelWithoutCrashing() {
    QTemporaryDir dir;
    bcjr::studio::MainWindow w({dir.filePath("no-such-model.gguf"), "default"});
    QVERIFY(w.modelPath().isEmpty());
    QVERIFY(w.windowTitle() == "BCJR Studio");
  }

  void scheduleViewShowsBothPresetsFromT0ToTmin() {
    bcjr::studio::MainWindow w({"default", "default"});
    auto* plot = w.findChild<bcjr::widgets::CurvePlot*>("schedulePlot");
    QVERIFY(plot);
    QCOMPARE(plot->seriesNames().size(), 2);
    auto skip = plot->seriesY(plot->seriesNames()[0]);
    QCOMPARE(skip.size(), 10);
    QVERIFY(qAbs(skip.first() - 0.3) < 1e-12);
    QVERIFY(qAbs(skip.last() - 0.05) < 1e-12);
    for (int i = 1; i < skip.size(); ++i) QVERIFY(skip[i] < skip[i - 1]);
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

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
