// Scripted studio runs (--autorun) on the CPU with the tiny random Llama: the run file, the options,
// a whole run that fills every view and writes its pictures and summary, the program as a script
// calls it, and --cancel-after leaving a run that resumes.
#include "tests/gui/gui_test_main.h"
#include <QAction>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "app/studio/autorun.h"
#include "app/studio/main_window.h"
#include "app/studio/posterior_tab.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_request.h"
#include "app/studio/view_capture.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/quant/export_run.h"
#include "tests/quant/tiny_model.h"
#include "widgets/drift_budget_view.h"
#include "widgets/perplexity_view.h"
#include "widgets/posterior_view.h"
#include "widgets/schedule_editor.h"

using namespace bcjr;
using studio::Autorun;
using studio::AutorunOptions;

namespace {

nlohmann::json read_json(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return nullptr;
  return nlohmann::json::parse(f.readAll().toStdString());
}

void write_text(const QString& path, const std::string& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(text.data(), qint64(text.size()));
}

// The tiny model, its tokens, and a RUN.json for them in `dir`; `steps` training steps.
QString write_run_file(const QTemporaryDir& dir, int steps, const QString& name = "RUN.json") {
  const std::string model = test::write_tiny_llama(dir.filePath("model").toStdString(), 3);
  const std::string tokens = test::write_token_ids(dir.filePath("tokens.npy").toStdString(), 4096, 64, 5);
  quant::QatConfig c = test::tiny_qat_run(model, tokens);
  c.steps = steps;
  nlohmann::json j = {{"out", dir.filePath("run-" + name.section('.', 0, 0)).toStdString()}, {"config", c.to_json()}};
  write_text(dir.filePath(name), j.dump(2));
  return dir.filePath(name);
}

// Distinct colours on a grid of the picture: a blank or one-colour picture has very few.
int colours(const QString& png) {
  QImage img(png);
  QSet<QRgb> c;
  for (int y = 0; y < img.height(); y += 5)
    for (int x = 0; x < img.width(); x += 5) c.insert(img.pixel(x, y));
  return int(c.size());
}

QString expect_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const bcjr::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestAutorun : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runFileIsTheStartDialogsRequest() {
    QTemporaryDir dir;
    quant::QatConfig c;
    c.layers = {3, 5};
    c.steps = 4;
    write_text(dir.filePath("a.json"), nlohmann::json({{"out", "runs/x"}, {"config", c.to_json()}}).dump());
    const auto run = studio::readRunFile(dir.filePath("a.json"));
    const auto same = studio::newRunRequest(c, "runs/x");
    QCOMPARE(run.request.config_json, same.config_json);
    QCOMPARE(run.request.run_dir, QString("runs/x"));
    QVERIFY(!run.request.resume);
    QCOMPARE(run.config.total_steps(), int64_t(4));
  }

  void runFileErrorsNameTheFileAndTheKey() {
    QTemporaryDir dir;
    const QString p = dir.filePath("bad.json");
    write_text(p, R"({"out": "r", "config": {}, "confg": {}})");
    QString e = expect_error([&] { studio::readRunFile(p); });
    QVERIFY2(e.contains("bad.json") && e.contains("\"confg\""), qPrintable(e));
    write_text(p, R"({"config": {}})");
    e = expect_error([&] { studio::readRunFile(p); });
    QVERIFY2(e.contains("bad.json") && e.contains("\"out\""), qPrintable(e));
    write_text(p, R"({"out": "r", "config": {"steps": -2}})");
    e = expect_error([&] { studio::readRunFile(p); });
    QVERIFY2(e.contains("--steps -2"), qPrintable(e));  // the engine's message names the field
    write_text(p, R"({"out": "r", "config": {"device": "tpu"}})");
    e = expect_error([&] { studio::readRunFile(p); });
    QVERIFY2(e.contains("--device 'tpu'"), qPrintable(e));
    write_text(p, "{\"out\": ");
    e = expect_error([&] { studio::readRunFile(p); });
    QVERIFY2(e.contains("bad.json") && e.contains("not valid JSON"), qPrintable(e));
    e = expect_error([&] { studio::readRunFile(dir.filePath("missing.json")); });
    QVERIFY2(e.contains("missing.json"), qPrintable(e));
  }

  void screenshotAtParsesStepsLastAndEnd() {
    AutorunOptions o;
    QVERIFY(o.capture_last && o.capture_end);  // the default: after the last step and at the end
    o.parseScreenshotAt("5, 1,end,5");
    QCOMPARE(o.capture_steps, QList<int>({1, 5}));
    QVERIFY(!o.capture_last && o.capture_end);
    QVERIFY(expect_error([&] { o.parseScreenshotAt("0"); }).contains("--screenshot-at"));
    QVERIFY(expect_error([&] { o.parseScreenshotAt("1,soon"); }).contains("'soon'"));
    QCOMPARE(studio::autorunExitCode(studio::RunEnd::Status::Finished), 0);
    QCOMPARE(studio::autorunExitCode(studio::RunEnd::Status::Cancelled), 3);
    QCOMPARE(studio::autorunExitCode(studio::RunEnd::Status::Failed), 1);
    QCOMPARE(studio::ViewCapture::slug("Trellis && Ising"), QString("trellis-ising"));
  }

  void autorunFillsEveryViewAndWritesItsSummary() {
    QTemporaryDir dir;
    const QString run_file = write_run_file(dir, 3);
    studio::MainWindow w({"default", "default"});
    w.resize(1100, 750);
    w.show();
    AutorunOptions o;
    o.run_file = run_file;
    o.screenshots_dir = dir.filePath("shots");
    o.parseScreenshotAt("1,last,end");
    Autorun autorun(&w, o);
    QSignalSpy done(&autorun, &Autorun::finished);
    autorun.start();
    QVERIFY(done.wait(240000));
    QCOMPARE(done.first().at(0).toInt(), 0);

    // Every view holds the run: 3 steps in the curves, the flips of every linear, a posterior.
    auto* perplexity = w.findChild<widgets::PerplexityView*>("perplexityView");
    QCOMPARE(perplexity->traces().size(), 1);
    QCOMPARE(perplexity->traces()[0].steps.size(), 3);
    auto* drift = w.findChild<widgets::DriftBudgetView*>("driftBudgetView");
    QCOMPARE(drift->linears().size(), 7);
    for (const auto& s : perplexity->traces()[0].steps) QCOMPARE(s.linears.size(), 7);
    QVERIFY(w.findChild<widgets::PosteriorView*>("posteriorView")->snapshot().valid());
    // The Schedule tab shows the run's schedule (skip-high-T over its 3 steps), not the editor's default.
    const auto t = w.findChild<widgets::ScheduleEditor*>("scheduleEditor")->temperatures();
    QCOMPARE(t.size(), 3);
    const auto run_schedule = quant::TemperatureSchedule::preset("skip-high-T");
    for (int i = 0; i < 3; ++i) QVERIFY(std::abs(t[i] - run_schedule.at(i, 3)) < 1e-9 * t[i]);

    // The summary, in the run folder and as the signal's text.
    const QString run_dir = dir.filePath("run-RUN");
    const auto s = read_json(run_dir + "/autorun-summary.json");
    QVERIFY(s.is_object());
    QCOMPARE(nlohmann::json::parse(done.first().at(1).toString().toStdString()), s);
    QCOMPARE(s.at("status").get<std::string>(), std::string("finished"));
    QCOMPARE(s.at("exit_code").get<int>(), 0);
    QCOMPARE(s.at("steps_done").get<int>(), 3);
    QCOMPARE(s.at("steps_total").get<int>(), 3);
    const auto& sps = s.at("seconds_per_step");
    QCOMPARE(sps.at("each").size(), size_t(3));
    std::vector<double> each = sps.at("each").get<std::vector<double>>();
    for (double x : each) QVERIFY(x > 0);
    QVERIFY(std::abs(sps.at("mean").get<double>() - (each[0] + each[1] + each[2]) / 3) < 1e-9);
    std::sort(each.begin(), each.end());
    QCOMPARE(sps.at("median").get<double>(), each[1]);
    const auto& ppl = s.at("perplexity");
    for (const char* label : {"FP", "PTQ", "QAT"}) {
      QVERIFY2(ppl.contains(label), label);
      QVERIFY(ppl.at(label).at("ppl").get<double>() > 1);
      QCOMPARE(ppl.at(label).at("ctx").get<int>(), 32);
    }
    QCOMPARE(ppl.at("protocol").at("ctx").get<int>(), 32);
    QVERIFY(ppl.at("protocol").contains("bos_policy"));
    const auto& lat = s.at("event_loop_latency_ms");
    QVERIFY(lat.at("samples").get<int>() > 0);
    QVERIFY(lat.at("p50").get<double>() <= lat.at("p99").get<double>());
    QVERIFY(lat.at("p99").get<double>() <= lat.at("max").get<double>());
    QCOMPARE(lat.at("timer_ms").get<double>(), 10.0);
    QVERIFY(s.at("cancel").is_null());
    QCOMPARE(s.at("device").at("kind").get<std::string>(), std::string("cpu"));
    QVERIFY(!s.at("device").at("name").get<std::string>().empty());
    QVERIFY(s.at("errors").empty());

    // Pictures of every tab and of the window after step 1, after the last step and at the end;
    // none blank.
    auto* tabs = w.findChild<QTabWidget*>("views");
    QStringList views;
    for (int i = 0; i < tabs->count(); ++i) views << studio::ViewCapture::slug(tabs->tabText(i));
    views << "window";
    QStringList expected;
    for (const char* moment : {"after-step-01", "after-step-03", "end"})
      for (const QString& v : views) expected << dir.filePath(QString("shots/%1-%2.png").arg(moment, v));
    QStringList got;
    for (const auto& shot : s.at("screenshots")) {
      const QString file = QString::fromStdString(shot.at("file").get<std::string>());
      got << file;
      QVERIFY(!shot.at("no_data").get<bool>());
      // The views the run feeds are grabbed in the handler of the step: they show exactly it.
      const QString view = QString::fromStdString(shot.at("view").get<std::string>());
      if (file.contains("after-step-01") && (view == "flips-vs-radius" || view == "perplexity" || view == "schedule"))
        QCOMPARE(shot.at("steps_shown").get<int>(), 1);
    }
    got.sort();
    expected.sort();
    QCOMPARE(got, expected);
    for (const QString& f : expected) QVERIFY2(colours(f) > 12, qPrintable(f));

    // The latency went into the window's log and the run's log.txt.
    QVERIFY(w.findChild<QPlainTextEdit*>("log")->toPlainText().contains("event-loop latency"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          QFile log(run_dir + "/log.txt");
          return log.open(QIODevice::ReadOnly) && log.readAll().contains("studio: event-loop latency");
        }(),
        10000);

    // The run's snapshot exports, and reads back as the paper's .pt of layer 0.
    const auto exported = quant::export_run(run_dir.toStdString(), "pt", dir.filePath("layer0.pt").toStdString());
    const auto snap = model::read_layer_snapshot_pt(exported.path);
    QCOMPARE(snap.weights.size(), size_t(7));
    QCOMPARE(snap.weights.at("q_proj").size(0), int64_t(32));
  }

  void cancelAfterStopsTheRunAndLeavesItResumable() {
    QTemporaryDir dir;
    const QString run_file = write_run_file(dir, 6);
    studio::MainWindow w({"default", "default"});
    w.show();
    AutorunOptions o;
    o.run_file = run_file;
    o.cancel_after_s = 0;  // as soon as the first training step began
    Autorun autorun(&w, o);
    QSignalSpy done(&autorun, &Autorun::finished);
    autorun.start();
    QVERIFY(done.wait(240000));
    QCOMPARE(done.first().at(0).toInt(), 3);
    const QString run_dir = dir.filePath("run-RUN");
    const auto s = read_json(run_dir + "/autorun-summary.json");
    QCOMPARE(s.at("status").get<std::string>(), std::string("cancelled"));
    QVERIFY(s.at("cancel").at("pressed").get<bool>());
    const double stop = s.at("cancel").at("stop_latency_s").get<double>();
    QVERIFY(stop >= 0);
    const int steps_done = s.at("steps_done").get<int>();
    QVERIFY2(steps_done < 6, "the run went on after Cancel");
    QVERIFY(!s.at("perplexity").contains("QAT"));

    // Stopped: the window is idle and offers Resume, which finishes the run from where it stopped.
    auto* controls = w.runControls();
    QCOMPARE(controls->state(), studio::RunControls::State::Idle);
    QVERIFY(w.findChild<QAction*>("resumeAction")->isEnabled());
    QVERIFY(!w.findChild<QAction*>("cancelAction")->isEnabled());
    QSignalSpy ended(&w, &studio::MainWindow::runEnded);
    w.resumeTraining(run_dir);
    QVERIFY(ended.wait(240000));
    const auto end = ended.first().at(0).value<studio::RunEnd>();
    QCOMPARE(end.status, studio::RunEnd::Status::Finished);
    QFile metrics(run_dir + "/metrics.jsonl");
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(metrics.readAll()).trimmed().split(QChar(10)).size(), 6);
    const auto results = read_json(run_dir + "/results.json");
    QCOMPARE(results.at("steps_done").get<int>(), 6);
  }

  void theProgramRunsAScriptAndSaysWhatIsWrong() {
    QTemporaryDir dir;
    const QString run_file = write_run_file(dir, 2);
    QProcess p;
    p.start(BCJR_STUDIO_BIN, {"--autorun", run_file, "--exit-when-done", "--screenshots", dir.filePath("shots"),
                              "--screenshot-at", "end"});
    QVERIFY(p.waitForFinished(240000));
    QCOMPARE(p.exitCode(), 0);
    const auto s = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
    QCOMPARE(s.at("status").get<std::string>(), std::string("finished"));
    QCOMPARE(s.at("steps_done").get<int>(), 2);
    QVERIFY(QFile::exists(dir.filePath("shots/end-window.png")));
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("step 2/2"));

    // Bad input: exit code 2 and a message naming the file and the key, before anything runs.
    write_text(dir.filePath("typo.json"), R"({"out": "x", "config": {}, "screenshots": "y"})");
    p.start(BCJR_STUDIO_BIN, {"--autorun", dir.filePath("typo.json"), "--exit-when-done"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains("typo.json") && err.contains("\"screenshots\""), qPrintable(err));
    // A run the engine refuses (its folder already holds a run): exit code 1, the engine's message.
    p.start(BCJR_STUDIO_BIN, {"--autorun", run_file, "--exit-when-done"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    const auto refused = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
    QCOMPARE(refused.at("status").get<std::string>(), std::string("failed"));
    QVERIFY(refused.at("message").get<std::string>().find("already holds a run") != std::string::npos);
    // An option without --autorun.
    p.start(BCJR_STUDIO_BIN, {"--exit-when-done"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("--exit-when-done needs --autorun"));
  }
};

BCJR_GUI_TEST_MAIN(TestAutorun)
#include "test_autorun.moc"
