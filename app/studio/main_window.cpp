#include "app/studio/main_window.h"

#include "app/studio/posterior_tab.h"

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
  setModel(options.model);
  setText(options.data);
  statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() {
  worker_thread_.quit();
  worker_thread_.wait();
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
  // Training controls arrive with the QAT engine's worker; until then the menu says so.
  QAction* start = run->addAction(tr("&Start BCJR-QAT"));
  start->setEnabled(false);
  start->setToolTip(tr("Not available yet in this build"));

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
