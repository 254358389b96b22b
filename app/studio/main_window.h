// The main window of bcjr-studio: menus, the model and text in use, the views, a status bar.
#pragma once

#include <QMainWindow>
#include <QString>
#include <QThread>
#include <QTimer>

#include "app/studio/run_end.h"
#include "widgets/snapshots.h"

class QLabel;
class QMenu;
class QPlainTextEdit;
class QTabWidget;

namespace bcjr::widgets {
class DriftBudgetView;
class PerplexityView;
class SlopeHistogram;
}

namespace bcjr::studio {

class EngineWorker;
class LatencyMonitor;
class LayerMapTab;
class LearnTab;
class MessageBar;
class PosteriorTab;
class RunOverlay;
class RunsPanel;
class RunControls;
class ScheduleTab;
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
  // Shows a view by name: posterior, schedule, flips, perplexity, layermap, learn (or ising), slopes.
  // False if unknown.
  bool showView(const QString& name);
  // True once every view that computes something has its first result (for screenshots).
  bool viewsReady() const;
  // Starts a run in the training thread (what Run > Start does after its dialog, and --autorun).
  void startTraining(const TrainRequest& request);
  // Continues a run folder from its last checkpoint (what Run > Resume does after its dialog) with
  // its own configuration and the schedule it has in force, which the schedule editor then shows
  // (edits during the run change that schedule, not the editor's last); main_window_runs.cpp.
  void resumeTraining(const QString& run_dir);
  // Redraws the views that live runs feed (what the 25 Hz redraw timer does when data arrived).
  void redrawViews();
  // Loads a model or a text as File > Open does; a bad one is reported, not thrown.
  void setModel(const QString& spec);
  void setText(const QString& spec);
  TrainingWorker* trainingWorker() const { return training_; }
  RunControls* runControls() const { return controls_; }
  LatencyMonitor* latencyMonitor() const { return latency_; }
  QString dataPath() const { return data_path_; }
  // The command line that does what the window would run, for logs and headless machines.
  static QString equivalentCommand(const StudioOptions& options);

  // Runs, overlay, export and settings (main_window_runs.cpp).
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

 Q_SIGNALS:
  // After a run ended and the window has shown it (log, status bar, message bar).
  void runEnded(const bcjr::studio::RunEnd& end);
  // Every engine error the window shows the user.
  void engineError(const QString& message);

 private:
  void buildMenus();
  void buildRunsDock();
  void buildRunsMenus(QMenu* file, QMenu* view);
  void fillRecentMenu(QMenu* menu, int kind);
  void showRunSummary(const QString& run_dir);
  void log(const QString& line);
  void showEngineError(const QString& message);
  void endRun(RunEnd::Status status, const QString& message);

  QString model_path_, data_path_;
  QLabel* model_label_ = nullptr;
  QLabel* data_label_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  void onStep(const bcjr::widgets::StepSnapshot& s);

  QThread worker_thread_, training_thread_;
  TrainingWorker* training_ = nullptr;
  QAction *start_action_ = nullptr, *resume_action_ = nullptr, *pause_action_ = nullptr, *cancel_action_ = nullptr;
  RunControls* controls_ = nullptr;
  LatencyMonitor* latency_ = nullptr;
  MessageBar* message_bar_ = nullptr;
  QString run_dir_;        // of the run going or last run
  bool run_started_ = false;
  QTimer* redraw_timer_ = nullptr;
  bool dirty_ = false;
  bool showing_run_schedules_ = false;  // the Schedule tab shows what the run follows: no echo back
  EngineWorker* worker_ = nullptr;
  PosteriorTab* posterior_tab_ = nullptr;
  ScheduleTab* schedule_tab_ = nullptr;
  widgets::PerplexityView* perplexity_ = nullptr;  // both draw overlay_->traces()
  widgets::DriftBudgetView* drift_ = nullptr;
  LayerMapTab* layer_map_ = nullptr;
  LearnTab* learn_ = nullptr;
  widgets::SlopeHistogram* slopes_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  RunsPanel* runs_ = nullptr;
  RunOverlay* overlay_ = nullptr;
  SnapshotExporter* exporter_ = nullptr;
  QString live_run_;  // the folder of the run this window runs or ran last
};

}  // namespace bcjr::studio
