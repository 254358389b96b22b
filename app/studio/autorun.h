// A scripted run of the studio (`bcjr-studio --autorun RUN.json`): starts the run exactly as the
// Start dialog would (run_request.h), saves pictures of every view at chosen steps, presses Cancel
// after a delay if asked, and when the run ends writes its summary (autorun_summary.h) into the run
// folder and, with --exit-when-done, prints it and ends the program with the run's status.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include "app/studio/run_end.h"
#include "app/studio/run_request.h"
#include "widgets/snapshots.h"

namespace bcjr::studio {

class MainWindow;
class ViewCapture;

struct AutorunOptions {
  QString run_file;          // RUN.json
  QString screenshots_dir;   // empty: no pictures
  QList<int> capture_steps;  // after these many steps (1-based)
  bool capture_last = true;  // after the run's last step
  bool capture_end = true;   // when the run has ended (final perplexities, hardening)
  bool exit_when_done = false;
  double cancel_after_s = -1;  // >= 0: press Cancel this long after the first training step began

  // --screenshot-at: step counts, "last" and "end", comma-separated. Throws a bcjr::Error naming
  // the option and the bad item.
  void parseScreenshotAt(const QString& spec);
};

// Exit status of a scripted run: 0 finished, 3 cancelled, 1 failed (2 is bad usage, from main).
int autorunExitCode(RunEnd::Status status);

class Autorun : public QObject {
  Q_OBJECT
 public:
  Autorun(MainWindow* window, AutorunOptions options, QObject* parent = nullptr);
  // Reads the run file and queues the run. Throws a bcjr::Error naming the file, key or option at fault.
  void start();
  bool done() const { return done_; }
  int exitCode() const { return exit_code_; }
  QString summaryFile() const { return summary_file_; }

 Q_SIGNALS:
  // The run ended, its pictures are saved and its summary written; `summary` is the JSON text.
  void finished(int exit_code, const QString& summary);

 private:
  void onProgress(const QString& stage);
  void onStep(const bcjr::widgets::StepSnapshot& s);
  void onEnded(const bcjr::studio::RunEnd& end);
  void pressCancel();
  void finishWhenIdle();
  QString moment(int steps_done) const;

  MainWindow* window_;
  AutorunOptions options_;
  RunFile run_;
  int total_steps_ = 0;
  ViewCapture* capture_ = nullptr;
  QElapsedTimer wall_, training_clock_;
  QVector<double> step_seconds_;
  int steps_done_ = 0;
  QStringList errors_;
  double cancel_pressed_after_s_ = -1;
  bool cancel_pressed_ = false;
  bool ended_ = false, done_ = false;
  RunEnd end_;
  int exit_code_ = 1;
  QString summary_file_;
};

}  // namespace bcjr::studio
