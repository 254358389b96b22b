#include "app/studio/main_window.h"

#include "app/studio/latency_monitor.h"
#include "app/studio/learn_tab.h"
#include "app/studio/message_bar.h"
#include "app/studio/posterior_tab.h"
#include "app/studio/run_controls.h"
#include "app/studio/run_dialog.h"
#include "app/studio/run_request.h"
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
#include "engine/quant/run_folder.h"
#include "widgets/curve_plot.h"
#include "widgets/flips_view.h"
#include "widgets/learn_panel.h"
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
  schedule_ = new widgets::ScheduleEditor;
  schedule_->setObjectName("scheduleEditor");
  tabs_->addTab(schedule_, tr("Schedule"));
  flips_ = new widgets::FlipsView;
  flips_->setObjectName("flipsView");
  tabs_->addTab(flips_, tr("Flips"));
  curves_ = new widgets::CurvePlot;
  curves_->setObjectName("perplexityPlot");
  curves_->setLabels(tr("Perplexity and KL"), tr("training step"), tr("value"));
  tabs_->addTab(curves_, tr("Perplexity"));
  learn_ = new LearnTab;
  learn_->setObjectName("learnTab");
  tabs_->addTab(learn_, tr("Learn"));
  slopes_ = new widgets::SlopeHistogram;
  slopes_->setObjectName("slopeHistogram");
  tabs_->addTab(slopes_, tr("Slopes b_g"));
  tabs_->setCurrentWidget(schedule_);
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

  buildMenus();
  // The GUI thread's own responsiveness, measured during every run (p50, p99, max go to the logs).
  latency_ = new LatencyMonitor(10, this);
  connect(training_, &TrainingWorker::started, this, [this](const QString& dir, int total) {
    flips_->clear();
    curves_->clear();
    slopes_->clear();
    schedule_->setCurrentStep(0);
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
  });
  connect(training_, &TrainingWorker::cancelled, this, [this](const QString& dir) {
    log(tr("run %1 cancelled; resume it with Run > Resume run").arg(dir));
    statusBar()->showMessage(tr("Cancelled"));
    endRun(RunEnd::Status::Cancelled, tr("cancelled"));
  });
  connect(training_, &TrainingWorker::failed, this, [this](const QString& message) {
    showEngineError(tr("BCJR-QAT: %1").arg(message));
    endRun(RunEnd::Status::Failed, message);
  });
  // A schedule edited during a run takes effect at the next step.
  connect(schedule_, &widgets::ScheduleEditor::scheduleChanged, this, [this] {
    if (!training_->session()) return;
    try {
      training_->replaceSchedule(schedule_->temperatures());
      log(tr("schedule replaced; it takes effect at the next step"));
    } catch (const std::exception& e) {
      showEngineError(tr("schedule: %1").arg(QString::fromStdString(e.what())));
    }
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
  // The posterior worker asks the training worker for its session: stop it first.
  training_->cancel();
  worker_thread_.quit();
  worker_thread_.wait();
  training_thread_.quit();
  training_thread_.wait();
}

void MainWindow::redrawViews() {
  dirty_ = false;
  flips_->refresh();
  curves_->refresh();
  slopes_->refresh();
}

void MainWindow::endRun(RunEnd::Status status, const QString& message) {
  latency_->stop();
  RunEnd end;
  end.status = status;
  end.run_dir = run_dir_;
  end.message = message;
  end.started = run_started_;
  end.latency = latency_->stats();
  end.cancel_seconds = status == RunEnd::Status::Cancelled ? controls_->cancelSeconds() : -1;
  controls_->setState(RunControls::State::Idle);
  schedule_->setCurrentStep(-1);
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
  for (const auto& f : s.linears) flips_->addSnapshot(f);
  if (!s.slopes.isEmpty()) slopes_->setSlopes(s.slopes, s.step);
  curves_->appendPoint(tr("KL(teacher || student)"), s.step, s.kl);
  curves_->appendPoint(tr("temperature T"), s.step, s.temperature);
  if (s.eval_ppl > 0) curves_->appendPoint(tr("held-out perplexity"), s.step, s.eval_ppl);
  schedule_->setCurrentStep(s.step + 1);
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
  if (dialog.steps() > 0 && dialog.steps() != schedule_->steps()) schedule_->setSteps(dialog.steps());
  TrainRequest r;
  try {
    // The same request --autorun makes from its RUN.json (run_request.h).
    const auto config = nlohmann::json::parse(dialog.configJson(schedule_->temperatures()).toStdString());
    r = newRunRequest(quant::QatConfig::from_json(config, "the Start dialog"), dialog.runDir());
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
  // The last run (often the one just cancelled) is where the dialog opens.
  const QString start = run_dir_.isEmpty() ? QString::fromStdString(bcjr_home()) + "/runs" : run_dir_;
  QString dir = QFileDialog::getExistingDirectory(this, tr("Resume run"), start);
  if (!dir.isEmpty()) resumeTraining(dir);
}

void MainWindow::resumeTraining(const QString& run_dir) {
  TrainRequest r;
  r.run_dir = run_dir;
  r.resume = true;
  startTraining(r);
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
    log(tr("pause asked: the run holds before its next step; Run > Continue goes on, Run > Cancel stops"));
    statusBar()->showMessage(tr("pause asked, the run holds before its next step (Run > Continue goes on)"));
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

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About BCJR Studio"), this, &MainWindow::showAbout);
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

bool MainWindow::showView(const QString& name) {
  const std::pair<const char*, QWidget*> views[] = {{"posterior", posterior_tab_}, {"schedule", schedule_},
                                                    {"flips", flips_}, {"perplexity", curves_}, {"learn", learn_},
                                                    {"ising", learn_}, {"slopes", slopes_}};
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
  } catch (const bcjr::Error& e) {
    data_label_->setText(tr("<i>no text</i>"));
    showEngineError(QString::fromStdString(e.what()));
  }
}

void MainWindow::log(const QString& line) { log_->appendPlainText(line); }

void MainWindow::openModel() {
  QString p = QFileDialog::getOpenFileName(this, tr("Open model"), QString(),
                                           tr("Models (*.gguf config.json);;All files (*)"));
  if (p.isEmpty()) return;
  if (QFileInfo(p).fileName() == "config.json") p = QFileInfo(p).absolutePath();
  setModel(p);
}

void MainWindow::openText() {
  QString p = QFileDialog::getOpenFileName(this, tr("Open text"), QString(), tr("Text (*.txt *.raw);;All files (*)"));
  if (!p.isEmpty()) setText(p);
}

void MainWindow::exportCurrentPlot() {
  widgets::CurvePlot* plot = qobject_cast<widgets::CurvePlot*>(tabs_->currentWidget());
  if (tabs_->currentWidget() == learn_) plot = learn_->panel()->curves()->energyPlot();
  if (tabs_->currentWidget() == flips_) plot = flips_->driftPlot();
  if (tabs_->currentWidget() == slopes_) {  // a bar chart, PNG only
    QString p = QFileDialog::getSaveFileName(this, tr("Export plot"), "slopes.png", tr("PNG image, 2x (*.png)"));
    if (!p.isEmpty() && !slopes_->savePng(p, 2.0)) QMessageBox::warning(this, tr("Export plot"), tr("Could not write %1").arg(p));
    return;
  }
  if (!plot) {
    statusBar()->showMessage(tr("This view has no exportable plot"), 5000);
    return;
  }
  QString p = QFileDialog::getSaveFileName(this, tr("Export plot"), "plot.png",
                                           tr("PNG image, 2x (*.png);;PDF (*.pdf);;CSV data (*.csv)"));
  if (p.isEmpty()) return;
  bool ok = p.endsWith(".pdf") ? plot->savePdf(p) : p.endsWith(".csv") ? plot->saveCsv(p) : plot->savePng(p, 2.0);
  if (!ok) QMessageBox::warning(this, tr("Export plot"), tr("Could not write %1").arg(p));
  else statusBar()->showMessage(tr("Wrote %1").arg(p), 5000);
}

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
