// bcjr-studio: the GUI. `--screenshot FILE` renders the window to a PNG after start-up and exits;
// `--autorun RUN.json` runs a BCJR-QAT run as the Start dialog would, with pictures and a summary.
#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QElapsedTimer>
#include <QTimer>
#include <memory>
#include <cstdio>
#include <cstdlib>

#include "app/studio/autorun.h"
#include "app/studio/main_window.h"
#include "bcjr/version.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"

namespace {
struct StudioCommandLine {
  QCommandLineParser parser;
  QCommandLineOption model{"model", "Model: a Hugging Face folder, a .gguf file, or 'default'.", "MODEL", "default"};
  QCommandLineOption data{"data", "Text file for calibration and perplexity, or 'default'.", "FILE", "default"};
  QCommandLineOption screenshot{"screenshot", "Render the window to a PNG file after start-up and exit.", "FILE"};
  QCommandLineOption threads{"threads", "CPU threads for the engine (default: all).", "N", "0"};
  QCommandLineOption view{"view", "View to show first: posterior, schedule, flips, perplexity, learn.", "NAME",
                          "schedule"};
  QCommandLineOption autorun{"autorun",
                             "Start the run that RUN.json describes, as Run > Start would: {\"out\": RUN_DIR, "
                             "\"config\": {...}}, the config as in a run folder's run.json. When it ends, "
                             "RUN_DIR/autorun-summary.json holds its summary.",
                             "RUN.json"};
  QCommandLineOption screenshots{"screenshots", "With --autorun: save a PNG of every view and of the window into DIR.",
                                 "DIR"};
  QCommandLineOption screenshot_at{"screenshot-at",
                                   "With --screenshots: when, as step counts, 'last' (after the last step) and 'end' "
                                   "(when the run has ended), comma-separated.",
                                   "STEPS", "last,end"};
  QCommandLineOption exit_when_done{"exit-when-done",
                                    "With --autorun: exit when the run ends, printing its summary as JSON; exit code 0 "
                                    "finished, 3 cancelled, 1 failed, 2 bad arguments."};
  QCommandLineOption cancel_after{"cancel-after",
                                  "With --autorun: press Run > Cancel this many seconds after the first training step "
                                  "began.",
                                  "SECONDS"};
  StudioCommandLine() {
    parser.setApplicationDescription("BCJR Studio: watch and run BCJR-QAT on a language model");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({model, data, screenshot, threads, view, autorun, screenshots, screenshot_at, exit_when_done,
                       cancel_after});
  }
  // The scripted-run options, checked; throws a bcjr::Error naming the option at fault.
  bcjr::studio::AutorunOptions autorunOptions() const {
    bcjr::studio::AutorunOptions o;
    for (const auto* opt : {&screenshots, &screenshot_at, &exit_when_done, &cancel_after})
      BCJR_CHECK(parser.isSet(autorun) || !parser.isSet(*opt), "--", opt->names().first().toStdString(),
                 " needs --autorun RUN.json");
    BCJR_CHECK(!parser.isSet(screenshot_at) || parser.isSet(screenshots), "--screenshot-at needs --screenshots DIR");
    BCJR_CHECK(!parser.isSet(autorun) || !parser.isSet(screenshot),
               "--screenshot FILE pictures the window at start-up; with --autorun use --screenshots DIR");
    o.run_file = parser.value(autorun);
    o.screenshots_dir = parser.value(screenshots);
    o.parseScreenshotAt(parser.value(screenshot_at));
    o.exit_when_done = parser.isSet(exit_when_done);
    if (parser.isSet(cancel_after)) {
      bool ok = false;
      o.cancel_after_s = parser.value(cancel_after).toDouble(&ok);
      BCJR_CHECK(ok && o.cancel_after_s >= 0 && o.cancel_after_s < 1e7, "--cancel-after: '",
                 parser.value(cancel_after).toStdString(), "' is not a number of seconds >= 0");
    }
    return o;
  }
};

void set_application_names() {
  QCoreApplication::setApplicationName("bcjr-studio");
  QCoreApplication::setApplicationVersion(bcjr::kVersion);
  QCoreApplication::setOrganizationName("BCJR Studio");
}
}  // namespace

int main(int argc, char** argv) {
  bool wants_info = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "--help-all" || a == "--version" || a == "-v") wants_info = true;
  }
  if (wants_info) {
    // Help and version need no display: answer them without starting the GUI.
    QCoreApplication app(argc, argv);
    set_application_names();
    StudioCommandLine cl;
    cl.parser.process(app);  // prints and exits
    return 0;
  }
  const bool has_display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || std::getenv("QT_QPA_PLATFORM");
  if (!has_display) {
    std::fprintf(stderr,
                 "bcjr-studio: no display (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                 "Run it under a desktop session or Xvfb (xvfb-run build/bin/bcjr-studio), or use the\n"
                 "command line over the same engine, for example:\n  %s\n",
                 qPrintable(bcjr::studio::MainWindow::equivalentCommand({})));
    return 1;
  }
  QApplication app(argc, argv);
  set_application_names();
  StudioCommandLine cl;
  cl.parser.process(app);

  bcjr::studio::AutorunOptions autorun_options;
  try {
    autorun_options = cl.autorunOptions();
  } catch (const bcjr::Error& e) {
    std::fprintf(stderr, "bcjr-studio: %s\n", e.what());
    return 2;
  }
  bcjr::set_thread_count(cl.parser.value(cl.threads).toInt());
  bcjr::studio::StudioOptions options;
  options.model = cl.parser.value(cl.model);
  options.data = cl.parser.value(cl.data);
  bcjr::studio::MainWindow window(options);
  if (!window.showView(cl.parser.value(cl.view))) {
    std::fprintf(stderr, "bcjr-studio: --view: unknown view '%s'\n", qPrintable(cl.parser.value(cl.view)));
    return 2;
  }
  window.show();

  if (cl.parser.isSet(cl.autorun)) {
    auto* autorun = new bcjr::studio::Autorun(&window, autorun_options, &window);
    try {
      autorun->start();
    } catch (const bcjr::Error& e) {
      std::fprintf(stderr, "bcjr-studio: --autorun: %s\n", e.what());
      return 2;
    }
  }
  if (cl.parser.isSet(cl.screenshot)) {
    const QString path = cl.parser.value(cl.screenshot);
    // Wait for the views' first results (at most 60 s), then render.
    auto* poll = new QTimer(&window);
    auto started = std::make_shared<QElapsedTimer>();
    started->start();
    QObject::connect(poll, &QTimer::timeout, &window, [&window, path, started, poll]() {
      if (!window.viewsReady() && started->elapsed() < 60000) return;
      poll->stop();
      const bool ok = window.grab().save(path, "PNG");
      if (!ok) std::fprintf(stderr, "bcjr-studio: --screenshot: could not write %s\n", qPrintable(path));
      QApplication::exit(ok ? 0 : 1);
    });
    poll->start(200);
  }
  return app.exec();
}
