#include "app/studio/main_window.h"

#include "app/studio/posterior_tab.h"
#include "app/studio/run_dialog.h"
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

#include "bcjr/version.h"
#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "widgets/curve_plot.h"
#include "widgets/flips_view.h"
#include "widgets/ising_panel.h"
#include "widgets/posterior_view.h"
#include "widgets/schedule_editor.h"

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
  // The engine's worker thread: owns the engine, talks to the window only through signals.
  worker_ = new EngineWorker;
  worker_->moveToThread(&worker_thread_);
  connect(&worker_thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(worker_, &EngineWorker::failed, this, [this](const QString& m) { log(tr("engine: %1").arg(m)); });
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
  ising_ = new widgets::IsingPanel;
  ising_->setObjectName("isingPanel");
  connect(worker_, &EngineWorker::thermodynamicsReady, ising_, &widgets::IsingPanel::setThermodynamics);
  tabs_->addTab(ising_, tr("Trellis && Ising"));
  tabs_->setCurrentWidget(schedule_);
  setCentralWidget(tabs_);

  log_ = new QPlainTextEdit;
  log_->setReadOnly(true);
  log_->setObjectName("log");
  auto* log_dock = new QDockWidget(tr("Log"), this);
  log_dock->setObjectName("logDock");
  log_dock->setWidget(log_);
  addDockWidget(Qt::BottomDockWidgetArea, log_dock);
  resizeDocks({log_dock}, {110}, Qt::Vertical);

  buildMenus();
  connect(training_, &TrainingWorker::started, this, [this](const QString& dir, int total) {
    flips_->clear();
    curves_->clear();
    schedule_->setCurrentStep(0);
    log(tr("run %1 started: %2 steps").arg(dir).arg(total));
    setRunning(true);
  });
  connect(training_, &TrainingWorker::stepFinished, this, &MainWindow::onStep);
  connect(training_, &TrainingWorker::stepFinished, posterior_tab_, &PosteriorTab::refresh);
  connect(training_, &TrainingWorker::logLine, this, &MainWindow::log);
  connect(training_, &TrainingWorker::progress, this, [this](const QString& stage, qint64 done, qint64 total, double eta) {
    QString msg = total > 0 ? tr("%1: %2/%3").arg(stage).arg(done).arg(total) : stage;
    if (eta >= 0) msg += tr(", ETA %1 s").arg(eta, 0, 'f', 0);
    statusBar()->showMessage(msg);
  });
  connect(training_, &TrainingWorker::finished, this, [this](const QString& summary) {
    log(summary);
    statusBar()->showMessage(summary);
    setRunning(false);
  });
  connect(training_, &TrainingWorker::cancelled, this, [this](const QString& dir) {
    log(tr("run %1 cancelled; resume it with Run > Resume run").arg(dir));
    statusBar()->showMessage(tr("Cancelled"));
    setRunning(false);
  });
  connect(training_, &TrainingWorker::controlFailed, this, [this](const QString& message) {
    log(message);
    statusBar()->showMessage(message, 10000);
  });
  connect(training_, &TrainingWorker::failed, this, [this](const QString& message) {
    log(tr("error: %1").arg(message));
    QMessageBox::warning(this, tr("BCJR-QAT"), message);
    setRunning(false);
  });
  // A schedule edited during a run takes effect at the next step.
  connect(schedule_, &widgets::ScheduleEditor::scheduleChanged, this, [this] {
    if (training_->session()) {
      training_->replaceSchedule(schedule_->temperatures());
      log(tr("schedule replaced; it takes effect at the next step"));
    }
  });
  // Views redraw at most 25 times a second, however fast steps arrive.
  redraw_timer_ = new QTimer(this);
  redraw_timer_->setInterval(40);
  connect(redraw_timer_, &QTimer::timeout, this, [this] {
    if (!dirty_) return;
    dirty_ = false;
    flips_->refresh();
    curves_->refresh();
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

void MainWindow::setRunning(bool running) {
  start_action_->setEnabled(!running);
  resume_action_->setEnabled(!running);
  pause_action_->setEnabled(running);
  cancel_action_->setEnabled(running);
  pause_action_->setText(tr("&Pause"));
  if (!running) schedule_->setCurrentStep(-1);
}

void MainWindow::onStep(const widgets::StepSnapshot& s) {
  for (const auto& f : s.linears) flips_->addSnapshot(f);
  curves_->appendPoint(tr("KL(teacher || student)"), s.step, s.kl);
  curves_->appendPoint(tr("temperature T"), s.step, s.temperature);
  if (s.eval_ppl > 0) curves_->appendPoint(tr("held-out perplexity"), s.step, s.eval_ppl);
  schedule_->setCurrentStep(s.step + 1);
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
    r.config_json = dialog.configJson(schedule_->temperatures());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Start BCJR-QAT"), QString::fromStdString(e.what()));
    return;
  }
  r.run_dir = dialog.runDir();
  startTraining(r);
}

void MainWindow::startTraining(const TrainRequest& r) {
  setRunning(true);
  QMetaObject::invokeMethod(training_, [w = training_, r] { w->start(r); }, Qt::QueuedConnection);
}

void MainWindow::resumeRun() {
  QString dir = QFileDialog::getExistingDirectory(this, tr("Resume run"), QString::fromStdString(bcjr_home()) + "/runs");
  if (dir.isEmpty()) return;
  TrainRequest r;
  r.run_dir = dir;
  r.resume = true;
  startTraining(r);
}

void MainWindow::togglePause() {
  if (training_->paused()) {
    training_->unpause();
    pause_action_->setText(tr("&Pause"));
    log(tr("continued"));
  } else {
    training_->pause();
    pause_action_->setText(tr("&Continue"));
    log(tr("pausing at the engine's next check, inside the current step"));
  }
}

void MainWindow::cancelRun() {
  training_->cancel();
  log(tr("cancelling: the run stops at its next check and keeps its last checkpoint"));
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
  pause_action_->setEnabled(false);
  cancel_action_->setEnabled(false);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About BCJR Studio"), this, &MainWindow::showAbout);
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

bool MainWindow::showView(const QString& name) {
  const std::pair<const char*, QWidget*> views[] = {{"posterior", posterior_tab_}, {"schedule", schedule_},
                                                    {"flips", flips_}, {"perplexity", curves_}, {"ising", ising_}};
  for (auto& [key, widget] : views)
    if (name == key) {
      tabs_->setCurrentWidget(widget);
      return true;
    }
  return false;
}

bool MainWindow::viewsReady() const {
  return posterior_tab_->view()->snapshot().valid() && !ising_->plot()->seriesNames().isEmpty();
}

void MainWindow::setModel(const QString& spec) {
  try {
    model_path_ = QString::fromStdString(resolve_model_path(spec.toStdString()));
    QFileInfo fi(model_path_);
    QString what = spec == "default" ? QString::fromUtf8(kDefaultModel.describe) : QString();
    model_label_->setText(QStringLiteral("<b>%1</b><br>%2<br>%3 MB").arg(fi.fileName(), what.toHtmlEscaped())
                              .arg(fi.size() / 1e6, 0, 'f', 1));
    setWindowTitle(QStringLiteral("BCJR Studio — %1").arg(fi.fileName()));
    log(tr("model: %1").arg(model_path_));
  } catch (const bcjr::Error& e) {
    model_label_->setText(tr("<i>no model</i>"));
    log(QString::fromStdString(e.what()));
  }
}

void MainWindow::setText(const QString& spec) {
  try {
    data_path_ = QString::fromStdString(resolve_text_path(spec.toStdString()));
    QFileInfo fi(data_path_);
    data_label_->setText(QStringLiteral("<b>%1</b><br>%2 MB").arg(fi.fileName()).arg(fi.size() / 1e6, 0, 'f', 2));
    log(tr("text: %1").arg(data_path_));
  } catch (const bcjr::Error& e) {
    data_label_->setText(tr("<i>no text</i>"));
    log(QString::fromStdString(e.what()));
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
  if (tabs_->currentWidget() == ising_) plot = ising_->plot();
  if (tabs_->currentWidget() == flips_) plot = flips_->driftPlot();
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
