#include "app/studio/main_window.h"

#include "app/studio/latency_monitor.h"
#include "app/studio/layer_map_tab.h"
#include "app/studio/learn_tab.h"
#include "app/studio/message_bar.h"
#include "app/studio/plot_export_dialog.h"
#include "app/studio/posterior_tab.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_dialog.h"
#include "app/studio/run_overlay.h"
#include "app/studio/run_request.h"
#include "app/studio/runs_panel.h"
#include "app/studio/schedule_tab.h"
#include "app/studio/studio_settings.h"
#include "app/studio/training_worker.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>
#include <cmath>

#include <nlohmann/json.hpp>

#include "bcjr/version.h"
#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/quant/run_folder.h"
#include <qcustomplot.h>

#include "widgets/drift_budget_view.h"
#include "widgets/learn_panel.h"
#include "widgets/perplexity_view.h"
#include "widgets/posterior_view.h"
#include "widgets/schedule_editor.h"
#include "widgets/slope_histogram.h"
#include "widgets/thermodynamics_plot.h"

// The resources live in a static library, so they must be registered explicitly, and
// Q_INIT_RESOURCE must be used outside any namespace.
static void init_studio_resources() { Q_INIT_RESOURCE(studio); }

namespace bcjr::studio {


MainWindow::MainWindow(const StudioOptions& options, QWidget* parent) : QMainWindow(parent) {
  init_studio_resources();
  setWindowTitle(QStringLiteral("BCJR Studio"));
  resize(1280, 800);

  auto* side = new QWidget;
  auto* form = new QFormLayout(side);
  model_label_ = new QLabel;
  model_label_->setWordWrap(true);
  model_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  data_label_ = new QLabel;
  data_label_->setWordWrap(true);
  data_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(tr("Model"), model_label_);
  form->addRow(tr("Text"), data_label_);
  auto* dock = new QDockWidget(tr("Model and data"), this);
  dock->setObjectName("modelDock");
  dock->setWidget(side);
  dock->setMinimumWidth(300);
  addDockWidget(Qt::LeftDockWidgetArea, dock);

  tabs_ = new QTabWidget;
  tabs_->setObjectName("views");
  // The engine's worker thread: owns the engine, talks to the window only through signals.
  worker_ = new EngineWorker;
  worker_->moveToThread(&worker_thread_);
  connect(&worker_thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(worker_, &EngineWorker::failed, this, [this](const QString& m) { showEngineError(tr("engine: %1").arg(m)); });
  worker_thread_.start();
  // LibTorch's first CUDA query initialises the driver (a second or more on a GPU machine) and then
  // keeps its answer: ask it here on the worker thread, so the Start dialog's query is a cached one.
  QMetaObject::invokeMethod(worker_, [] { (void)cuda_available(); }, Qt::QueuedConnection);
  // Training gets a thread of its own: a run blocks it for hours while posteriors stay live.
  training_ = new TrainingWorker;
  training_->moveToThread(&training_thread_);
  connect(&training_thread_, &QThread::finished, training_, &QObject::deleteLater);
  training_thread_.start();
  worker_->setTrainingWorker(training_);

  posterior_tab_ = new PosteriorTab(worker_);
  posterior_tab_->setObjectName("posteriorTab");
  posterior_tab_->view()->setObjectName("posteriorView");
  tabs_->addTab(posterior_tab_, tr("Posterior"));
  schedule_tab_ = new ScheduleTab;
  schedule_tab_->setObjectName("scheduleTab");
  tabs_->addTab(schedule_tab_, tr("Schedule"));
  drift_ = new widgets::DriftBudgetView;
  drift_->setObjectName("driftBudgetView");
  tabs_->addTab(drift_, tr("Flips vs radius"));
  perplexity_ = new widgets::PerplexityView;
  perplexity_->setObjectName("perplexityView");
  tabs_->addTab(perplexity_, tr("Perplexity"));
  layer_map_ = new LayerMapTab(training_);
  layer_map_->setObjectName("layerMapTab");
  tabs_->addTab(layer_map_, tr("Layer map"));
  posterior_tab_->setRunFolderWorker(layer_map_->worker());
  connect(layer_map_, &LayerMapTab::message, this, &MainWindow::log);
  connect(layer_map_, &LayerMapTab::openTile, this, [this](int layer, const QString& linear, int tile, const QString& dir) {
    posterior_tab_->showRunTile(layer, linear, tile, dir);
    tabs_->setCurrentWidget(posterior_tab_);
  });
  learn_ = new LearnTab;
  learn_->setObjectName("learnTab");
  tabs_->addTab(learn_, tr("Learn"));
  slopes_ = new widgets::SlopeHistogram;
  slopes_->setObjectName("slopeHistogram");
  tabs_->addTab(slopes_, tr("Slopes b_g"));
  tabs_->setCurrentWidget(schedule_tab_);
  // Engine errors show above the views, without a modal box that would stop the window.
  message_bar_ = new MessageBar;
  auto* central = new QWidget;
  auto* central_layout = new QVBoxLayout(central);
  central_layout->setContentsMargins(0, 0, 0, 0);
  central_layout->setSpacing(2);
  central_layout->addWidget(message_bar_);
  central_layout->addWidget(tabs_, 1);
  setCentralWidget(central);

  log_ = new QPlainTextEdit;
  log_->setReadOnly(true);
  log_->setObjectName("log");
  auto* log_dock = new QDockWidget(tr("Log"), this);
  log_dock->setObjectName("logDock");
  log_dock->setWidget(log_);
  addDockWidget(Qt::BottomDockWidgetArea, log_dock);
  resizeDocks({log_dock}, {110}, Qt::Vertical);
  buildRunsDock();

  buildMenus();
  // The GUI thread's own responsiveness, measured during every run (p50, p99, max go to the logs).
  latency_ = new LatencyMonitor(10, this);
  connect(training_, &TrainingWorker::started, this, [this](const QString& dir, int total) {
    live_run_ = dir;
    overlay_->startLive(dir);  // the curve views draw it (and the ticked runs) from now on
    slopes_->clear();
    schedule_tab_->editor()->setRunPosition(0, 0);
    run_dir_ = dir;
    run_started_ = true;
    log(tr("run %1 started: %2 steps").arg(dir).arg(total));
    controls_->setState(RunControls::State::Running);
  });
  connect(training_, &TrainingWorker::stepFinished, this, &MainWindow::onStep);
  connect(training_, &TrainingWorker::stepFinished, posterior_tab_, &PosteriorTab::refresh);
  connect(training_, &TrainingWorker::logLine, this, &MainWindow::log);
  connect(training_, &TrainingWorker::progress, this, [this](const QString& stage, qint64 done, qint64 total, double eta) {
    if (controls_->pausedAfter() >= 0) return;  // the status bar says the run is paused
    QString msg = total > 0 ? tr("%1: %2/%3").arg(stage).arg(done).arg(total) : stage;
    if (eta >= 0) msg += tr(", ETA %1 s").arg(eta, 0, 'f', 0);
    // The engine holds a paused run before its next step and says nothing when it does.
    if (controls_->state() == RunControls::State::Paused)
      msg = tr("pause asked, the run holds before its next step; %1").arg(msg);
    statusBar()->showMessage(msg);
  });
  connect(training_, &TrainingWorker::finished, this, [this](const QString& summary) {
    log(summary);
    statusBar()->showMessage(summary);
    endRun(RunEnd::Status::Finished, summary);
    showRunSummary(live_run_);
  });
  connect(training_, &TrainingWorker::cancelled, this, [this](const QString& dir) {
    log(tr("run %1 cancelled; resume it with Run > Resume run").arg(dir));
    statusBar()->showMessage(tr("Cancelled"));
    endRun(RunEnd::Status::Cancelled, tr("cancelled"));
  });
  // A refused control (a schedule the engine rejects): the run goes on, the message bar says why.
  connect(training_, &TrainingWorker::controlFailed, this, [this](const QString& message) { showEngineError(message); });
  connect(training_, &TrainingWorker::failed, this, [this](const QString& message) {
    showEngineError(tr("BCJR-QAT: %1").arg(message));
    endRun(RunEnd::Status::Failed, message);
  });
  // A schedule edited during a run is posted; the training thread takes it at its next step (a
  // refused one comes back as controlFailed).
  connect(schedule_tab_->editor(), &widgets::ScheduleEditor::scheduleChanged, this, [this](int phase) {
    if (!training_->session() || showing_run_schedules_) return;
    try {
      // One schedule in the tab is every phase's; otherwise the phase edited.
      training_->replaceSchedule(schedule_tab_->editor()->phaseCount() == 1 ? -1 : phase, schedule_tab_->schedule(phase));
      log(tr("schedule posted; it takes effect at the next step"));
    } catch (const std::exception& e) {  // the editor's points as an engine schedule
      showEngineError(tr("schedule: %1").arg(QString::fromStdString(e.what())));
    }
  });
  connect(training_, &TrainingWorker::schedulesInForce, this, [this](const QString& config, const QString& list) {
    try {
      const auto c = quant::QatConfig::from_json(nlohmann::json::parse(config.toStdString()), "the run");
      std::vector<quant::TemperatureSchedule> schedules;
      for (const auto& j : nlohmann::json::parse(list.toStdString()))
        schedules.push_back(quant::TemperatureSchedule::from_json(j, "the run"));
      showing_run_schedules_ = true;
      schedule_tab_->showRun(c, schedules);
      showing_run_schedules_ = false;
    } catch (const std::exception& e) {
      showing_run_schedules_ = false;
      log(tr("schedule: %1").arg(QString::fromStdString(e.what())));
    }
  });
  connect(training_, &TrainingWorker::perplexityMeasured, this,
          [this](const QString& label, double ppl, const QString& protocol) {
            overlay_->setLivePerplexity(label, ppl, protocol);
          });
  // Views redraw at most 25 times a second, however fast steps arrive.
  redraw_timer_ = new QTimer(this);
  redraw_timer_->setInterval(40);
  connect(redraw_timer_, &QTimer::timeout, this, [this] {
    if (dirty_) redrawViews();
  });
  redraw_timer_->start();
  setModel(options.model);
  setText(options.data);
  statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() {
  // The posterior worker asks the training worker for its session: stop it first. Both stop at the
  // engine's next cancellation check, a paused run included.
  worker_->stop();
  training_->cancel();
  worker_thread_.quit();
  worker_thread_.wait();
  training_thread_.quit();
  training_thread_.wait();
}

void MainWindow::redrawViews() {
  dirty_ = false;
  // One path for every curve view: the live run and the Runs panel's ticked runs (RunOverlay).
  const QVector<widgets::RunTrace> traces = overlay_->traces();
  perplexity_->setTraces(traces);
  drift_->setTraces(traces);
  slopes_->refresh();
}

void MainWindow::endRun(RunEnd::Status status, const QString& message) {
  latency_->stop();
  overlay_->finishLive();
  runs_->refresh();
  RunEnd end;
  end.status = status;
  end.run_dir = run_dir_;
  end.message = message;
  end.started = run_started_;
  end.latency = latency_->stats();
  end.cancel_seconds = status == RunEnd::Status::Cancelled ? controls_->cancelSeconds() : -1;
  controls_->setState(RunControls::State::Idle);
  schedule_tab_->editor()->setRunPosition(-1, -1);
  QStringList lines{end.latency.describe()};
  if (end.cancel_seconds >= 0)
    lines << tr("the run stopped %1 s after Cancel was pressed").arg(end.cancel_seconds, 0, 'f', 2);
  for (const QString& line : lines) log(line);
  if (run_started_) {
    // Into the run's log.txt too, written on the training thread (idle now; it owns that file).
    QMetaObject::invokeMethod(training_, [dir = run_dir_.toStdString(), lines] {
      try {
        auto run = quant::RunFolder::open(dir);
        for (const QString& line : lines) run.log("studio: " + line.toStdString());
      } catch (const std::exception&) {
        // The folder went away: the window's log still has the lines.
      }
    }, Qt::QueuedConnection);
  }
  Q_EMIT runEnded(end);
}

void MainWindow::showEngineError(const QString& message) {
  log(tr("error: %1").arg(message));
  message_bar_->showError(message);
  Q_EMIT engineError(message);
}

void MainWindow::onStep(const widgets::StepSnapshot& s) {
  overlay_->appendLive(s);
  if (!s.slopes.isEmpty()) slopes_->setSlopes(s.slopes, s.step);
  posterior_tab_->setRunTemperature(s.temperature);
  layer_map_->setRunTemperature(s.temperature);
  // The step the run computes next: in this phase, or the first of the next.
  if (s.phase_step + 1 < schedule_tab_->editor()->steps())
    schedule_tab_->editor()->setRunPosition(s.phase, s.phase_step + 1);
  else
    schedule_tab_->editor()->setRunPosition(s.phase + 1, 0);
  controls_->stepFinished(s.step + 1);
  if (controls_->pausedAfter() >= 0) {
    statusBar()->showMessage(tr("paused after step %1 (Run > Continue goes on)").arg(s.step + 1));
    dirty_ = true;
    return;
  }
  statusBar()->showMessage(tr("step %1: T %2, KL %3, %4 s, peak %5 MB")
                               .arg(s.step)
                               .arg(s.temperature, 0, 'g', 3)
                               .arg(s.kl, 0, 'g', 4)
                               .arg(s.seconds, 0, 'f', 1)
                               .arg(s.peak_mb, 0, 'f', 0));
  dirty_ = true;
}

void MainWindow::startRun() {
  RunDialog dialog(model_path_.isEmpty() ? "default" : model_path_, data_path_.isEmpty() ? "default" : data_path_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  if (auto s = dialog.presetSchedule()) {
    schedule_tab_->setSchedule(*s, tr("the preset's schedule"));
    log(tr("schedule: the preset's, %1 (undo it in the Schedule tab)").arg(QString::fromStdString(s->to_json().dump())));
  }
  if (dialog.steps() > 0) schedule_tab_->editor()->setSteps(dialog.steps());
  TrainRequest r;
  try {
    quant::QatConfig c = dialog.config();
    const QString note = schedule_tab_->applyTo(c);
    if (!note.isEmpty()) log(tr("schedule: %1").arg(note));
    // The same request --autorun makes from its RUN.json (run_request.h).
    r = newRunRequest(c, dialog.runDir());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Start BCJR-QAT"), QString::fromStdString(e.what()));
    return;
  }
  startTraining(r);
}

void MainWindow::startTraining(const TrainRequest& r) {
  if (controls_->state() != RunControls::State::Idle) {
    showEngineError(tr("a run is already going: cancel it or wait for it to end"));
    return;
  }
  run_dir_ = r.run_dir;
  run_started_ = false;
  controls_->setState(RunControls::State::Starting);
  latency_->start();
  QMetaObject::invokeMethod(training_, [w = training_, r] { w->start(r); }, Qt::QueuedConnection);
}

void MainWindow::resumeRun() {
  // The last run (often the one just cancelled) is where the dialog opens, else the last folder.
  const QString start = run_dir_.isEmpty()
                            ? StudioSettings::lastFolder(FileKind::Run, QString::fromStdString(bcjr_home()) + "/runs")
                            : run_dir_;
  QString dir = QFileDialog::getExistingDirectory(this, tr("Resume run"), start);
  if (dir.isEmpty()) return;
  StudioSettings::setLastFolder(FileKind::Run, dir);
  resumeTraining(dir);
}

void MainWindow::togglePause() {
  if (controls_->state() == RunControls::State::Paused) {
    training_->unpause();
    controls_->setState(RunControls::State::Running);
    log(tr("continued"));
    statusBar()->showMessage(tr("continued"));
  } else if (controls_->state() == RunControls::State::Running) {
    training_->pause();
    controls_->setState(RunControls::State::Paused);
    log(tr("pause asked: the run holds at the engine's next check, inside the current step; Run > Continue goes "
           "on, Run > Cancel stops"));
    statusBar()->showMessage(tr("pause asked, the run holds at the engine's next check (Run > Continue goes on)"));
  }
}

void MainWindow::cancelRun() {
  const auto state = controls_->state();
  if (state != RunControls::State::Running && state != RunControls::State::Paused) return;
  controls_->markCancelPressed();
  training_->cancel();
  controls_->setState(RunControls::State::Cancelling);
  log(tr("cancelling: the run stops at its next check and keeps its last finished step"));
  statusBar()->showMessage(tr("cancelling…"));
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Open &model…"), QKeySequence::Open, this, &MainWindow::openModel);
  file->addAction(tr("Open &text…"), this, &MainWindow::openText);
  file->addAction(tr("&Export plot…"), this, &MainWindow::exportCurrentPlot);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->setObjectName("runMenu");
  start_action_ = run->addAction(tr("&Start BCJR-QAT…"), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::startRun);
  resume_action_ = run->addAction(tr("&Resume run…"), this, &MainWindow::resumeRun);
  pause_action_ = run->addAction(tr("&Pause"), this, &MainWindow::togglePause);
  cancel_action_ = run->addAction(tr("&Cancel"), this, &MainWindow::cancelRun);
  start_action_->setObjectName("startAction");
  resume_action_->setObjectName("resumeAction");
  pause_action_->setObjectName("pauseAction");
  cancel_action_->setObjectName("cancelAction");
  controls_ = new RunControls(start_action_, resume_action_, pause_action_, cancel_action_, this);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
  buildRunsMenus(file, view);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About BCJR Studio"), this, &MainWindow::showAbout);
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

bool MainWindow::showView(const QString& name) {
  const std::pair<const char*, QWidget*> views[] = {
      {"posterior", posterior_tab_},          {"schedule", schedule_tab_}, {"flips", drift_},
      {"perplexity", perplexity_}, {"layermap", layer_map_},   {"learn", learn_},
      {"ising", learn_},                      {"slopes", slopes_}};
  for (auto& [key, widget] : views)
    if (name == key) {
      tabs_->setCurrentWidget(widget);
      return true;
    }
  return false;
}

bool MainWindow::viewsReady() const {
  return posterior_tab_->view()->snapshot().valid() && learn_->hasResult();
}

void MainWindow::setModel(const QString& spec) {
  try {
    const QString path = QString::fromStdString(resolve_model_path(spec.toStdString()));
    if (path == model_path_) return;
    model_path_ = path;
    QFileInfo fi(model_path_);
    QString what = spec == "default" ? QString::fromUtf8(kDefaultModel.describe) : QString();
    model_label_->setText(QStringLiteral("<b>%1</b><br>%2<br>%3 MB").arg(fi.fileName(), what.toHtmlEscaped())
                              .arg(fi.size() / 1e6, 0, 'f', 1));
    setWindowTitle(QStringLiteral("BCJR Studio — %1").arg(fi.fileName()));
    log(tr("model: %1").arg(model_path_));
    StudioSettings::addRecent(RecentKind::Model, spec == "default" ? spec : model_path_);
  } catch (const bcjr::Error& e) {
    model_label_->setText(tr("<i>no model</i>"));
    showEngineError(QString::fromStdString(e.what()));
  }
}

void MainWindow::setText(const QString& spec) {
  try {
    const QString path = QString::fromStdString(resolve_text_path(spec.toStdString()));
    if (path == data_path_) return;
    data_path_ = path;
    QFileInfo fi(data_path_);
    data_label_->setText(QStringLiteral("<b>%1</b><br>%2 MB").arg(fi.fileName()).arg(fi.size() / 1e6, 0, 'f', 2));
    log(tr("text: %1").arg(data_path_));
    StudioSettings::addRecent(RecentKind::Text, spec == "default" ? spec : data_path_);
  } catch (const bcjr::Error& e) {
    data_label_->setText(tr("<i>no text</i>"));
    showEngineError(QString::fromStdString(e.what()));
  }
}

void MainWindow::log(const QString& line) { log_->appendPlainText(line); }

void MainWindow::openModel() {
  QString p = QFileDialog::getOpenFileName(this, tr("Open model"), StudioSettings::lastFolder(FileKind::Model),
                                           tr("Models (*.gguf config.json);;All files (*)"));
  if (p.isEmpty()) return;
  StudioSettings::setLastFolder(FileKind::Model, p);
  if (QFileInfo(p).fileName() == "config.json") p = QFileInfo(p).absolutePath();
  setModel(p);
}

void MainWindow::openText() {
  QString p = QFileDialog::getOpenFileName(this, tr("Open text"), StudioSettings::lastFolder(FileKind::Text),
                                           tr("Text (*.txt *.raw);;Token ids (*.npy);;All files (*)"));
  if (p.isEmpty()) return;
  StudioSettings::setLastFolder(FileKind::Text, p);
  setText(p);
}

void MainWindow::exportCurrentPlot() { export_plots_interactively(this, tabs_->currentWidget()); }

void MainWindow::showAbout() {
  QMessageBox::about(
      this, tr("About BCJR Studio"),
      tr("<h3>BCJR Studio %1</h3>"
         "<p>Trellis-coded weight quantisation made trainable: BCJR-QAT replaces the Viterbi argmax "
         "of QTIP with the BCJR forward-backward sum at a temperature T.</p>"
         "<p>LibTorch %2, %3 build.</p>"
         "<p>License: GNU General Public License, version 3 or later.</p>")
          .arg(kVersion, kTorchVersion, kBuildType));
}

QString MainWindow::equivalentCommand(const StudioOptions& o) {
  return QStringLiteral("build/bin/bcjr eval --model %1 --data %2").arg(o.model, o.data);
}

}  // namespace bcjr::studio
