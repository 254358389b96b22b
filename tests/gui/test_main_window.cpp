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

#include "app/studio/main_window.h"
#include "app/studio/run_dialog.h"
#include "engine/core/runtime.h"
#include <QTextBrowser>

#include "widgets/curve_plot.h"
#include "widgets/ising_panel.h"
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

  void runDialogOffersCudaOnlyWhereThereIsADeviceAndTheLrUnits() {
    bcjr::studio::RunDialog d("default", "default");
    auto* device = d.findChild<QComboBox*>("device");
    QVERIFY(device);
    QCOMPARE(device->itemText(0), QString("cpu"));
    QCOMPARE(device->count() > 1, bcjr::cuda_available());
    QCOMPARE(device->isEnabled(), bcjr::cuda_available());
    auto j = nlohmann::json::parse(d.configJson({}).toStdString());
    QCOMPARE(QString::fromStdString(j.at("device").get<std::string>()), QString("cpu"));
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

  void scheduleEditorStartsAtThePapersSchedule() {
    bcjr::studio::MainWindow w({"default", "default"});
    auto* editor = w.findChild<bcjr::widgets::ScheduleEditor*>("scheduleEditor");
    QVERIFY(editor);
    auto t = editor->temperatures();
    QCOMPARE(t.size(), 10);
    QVERIFY(qAbs(t.first() - 0.3) < 1e-12);
    QVERIFY(qAbs(t.last() - 0.05) < 1e-12);
    for (int i = 1; i < t.size(); ++i) QVERIFY(t[i] < t[i - 1]);
  }

  void isingPanelTeachesFromTheBundledText() {
    bcjr::studio::MainWindow w({"default", "default"});
    auto* panel = w.findChild<bcjr::widgets::IsingPanel*>("isingPanel");
    QVERIFY(panel);
    QVERIFY(panel->text()->toPlainText().contains("spin chain"));
    bcjr::widgets::ThermoSnapshot s;
    s.temperature = {0.01, 0.1, 1.0};
    s.free_energy = {1.0, 0.5, -2.0};
    s.energy = {1.0, 1.2, 3.0};
    panel->setThermodynamics(s);
    QCOMPARE(panel->plot()->seriesNames().size(), 3);
    QCOMPARE(panel->plot()->seriesY(panel->plot()->seriesNames()[2]), QVector<double>({0.0, 0.7, 5.0}));
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

BCJR_GUI_TEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
