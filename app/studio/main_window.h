// The main window of bcjr-studio: menus, the model and text in use, the views, a status bar.
#pragma once

#include <QMainWindow>
#include <QString>
#include <QThread>
#include <QTimer>

#include "widgets/snapshots.h"

class QLabel;
class QMenu;
class QPlainTextEdit;
class QTabWidget;

namespace bcjr::widgets {
class CurvePlot;
class FlipsView;
class IsingPanel;
class ScheduleEditor;
}

namespace bcjr::studio {

class EngineWorker;
class PosteriorTab;
class RunOverlay;
class RunsPanel;
class SnapshotExporter;
class TrainingWorker;
struct TrainRequest;

struct StudioOptions {
  QString model = "default";  // a path, or "default"
  QString data = "default";
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const StudioOptions& options, QWidget* parent = nullptr);
  ~MainWindow() override;

  QString modelPath() const { return model_path_; }
  // Shows a view by name: posterior, schedule, flips, perplexity, ising. False if unknown.
  bool showView(const QString& name);
  // True once every view that computes something has its first result (for screenshots).
  bool viewsReady() const;
  // Starts a run in the training thread (what Run > Start does after its dialog).
  void startTraining(const TrainRequest& request);
  QString dataPath() const { return data_path_; }
  // The command line that does what the window would run, for logs and headless machines.
  static QString equivalentCommand(const StudioOptions& options);

  // Runs, overlay, export and settings (main_window_runs.cpp).
  // Resumes a run folder with its own configuration and the schedule it has in force, which the
  // schedule editor then shows (edits during the run change that schedule, not the editor's last).
  void resumeRunAt(const QString& dir);
  // Lists a run folder in the Runs panel and shows it alone in the views.
  void openRunFolder(const QString& dir);
  // Exports a finished run without dialogs (progress in the status bar); false if one is going.
  bool exportSnapshot(const QString& run_dir, const QString& format, const QString& out);
  RunsPanel* runsPanel() const { return runs_; }
  RunOverlay* overlay() const { return overlay_; }
  SnapshotExporter* exporter() const { return exporter_; }
  // The run File > Export snapshot acts on: the run of this window, else the one selected in Runs.
  QString currentRun() const;

 public Q_SLOTS:
  void showAbout();
  void openModel();
  void openText();
  void exportCurrentPlot();
  void startRun();
  void resumeRun();
  void togglePause();
  void cancelRun();
  void openRun();
  void exportSnapshotInteractively();
  void setDark(bool dark);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void buildRunsDock();
  void buildRunsMenus(QMenu* file, QMenu* view);
  void fillRecentMenu(QMenu* menu, int kind);
  void showRunSummary(const QString& run_dir);
  void setModel(const QString& spec);
  void setText(const QString& spec);
  void log(const QString& line);

  QString model_path_, data_path_;
  QLabel* model_label_ = nullptr;
  QLabel* data_label_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  void onStep(const bcjr::widgets::StepSnapshot& s);
  void setRunning(bool running);

  QThread worker_thread_, training_thread_;
  TrainingWorker* training_ = nullptr;
  QAction *start_action_ = nullptr, *resume_action_ = nullptr, *pause_action_ = nullptr, *cancel_action_ = nullptr;
  QTimer* redraw_timer_ = nullptr;
  bool dirty_ = false;
  EngineWorker* worker_ = nullptr;
  PosteriorTab* posterior_tab_ = nullptr;
  widgets::ScheduleEditor* schedule_ = nullptr;
  widgets::FlipsView* flips_ = nullptr;
  widgets::CurvePlot* curves_ = nullptr;
  widgets::IsingPanel* ising_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  RunsPanel* runs_ = nullptr;
  RunOverlay* overlay_ = nullptr;
  SnapshotExporter* exporter_ = nullptr;
  QString live_run_;  // the folder of the run this window runs or ran last
};

}  // namespace bcjr::studio
