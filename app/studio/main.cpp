// bcjr-studio: the GUI. `--screenshot FILE` renders the window to a PNG after start-up and exits.
#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QTimer>
#include <cstdio>
#include <cstdlib>

#include "app/studio/main_window.h"
#include "bcjr/version.h"
#include "engine/core/runtime.h"

int main(int argc, char** argv) {
  const bool has_display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || std::getenv("QT_QPA_PLATFORM");
  bool wants_info = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "--version" || a == "-v") wants_info = true;
  }
  if (!has_display && !wants_info) {
    std::fprintf(stderr,
                 "bcjr-studio: no display (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                 "Run it under a desktop session or Xvfb (xvfb-run build/bin/bcjr-studio), or use the\n"
                 "command line over the same engine, for example:\n  %s\n",
                 qPrintable(bcjr::studio::MainWindow::equivalentCommand({})));
    return 1;
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("bcjr-studio");
  QApplication::setApplicationVersion(bcjr::kVersion);
  QApplication::setOrganizationName("BCJR Studio");

  QCommandLineParser parser;
  parser.setApplicationDescription("BCJR Studio: watch and run BCJR-QAT on a language model");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption model_opt("model", "Model: a Hugging Face folder, a .gguf file, or 'default'.", "MODEL", "default");
  QCommandLineOption data_opt("data", "Text file for calibration and perplexity, or 'default'.", "FILE", "default");
  QCommandLineOption shot_opt("screenshot", "Render the window to a PNG file after start-up and exit.", "FILE");
  QCommandLineOption threads_opt("threads", "CPU threads for the engine (default: all).", "N", "0");
  parser.addOptions({model_opt, data_opt, shot_opt, threads_opt});
  parser.process(app);

  bcjr::set_thread_count(parser.value(threads_opt).toInt());
  bcjr::studio::StudioOptions options;
  options.model = parser.value(model_opt);
  options.data = parser.value(data_opt);
  bcjr::studio::MainWindow window(options);
  window.show();

  if (parser.isSet(shot_opt)) {
    const QString path = parser.value(shot_opt);
    QTimer::singleShot(500, &window, [&window, path]() {
      const bool ok = window.grab().save(path, "PNG");
      if (!ok) std::fprintf(stderr, "bcjr-studio: --screenshot: could not write %s\n", qPrintable(path));
      QApplication::exit(ok ? 0 : 1);
    });
  }
  return app.exec();
}
