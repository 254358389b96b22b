// MainWindow's runs, overlay, snapshot export and settings: the Runs dock, File > Open run
// folder / Export snapshot / recent files, View > Dark, resuming a run with its own schedule, the
// end-of-run summary, and the window layout kept between sessions. Kept apart from
// main_window.cpp, which builds the window and its views.
#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QStatusBar>
#include <QTimer>

#include "app/studio/appearance.h"
#include "app/studio/main_window.h"
#include "app/studio/run_overlay.h"
#include "app/studio/run_summary_dialog.h"
#include "app/studio/runs_panel.h"
#include "app/studio/schedule_tab.h"
#include "app/studio/snapshot_export.h"
#include "app/studio/studio_settings.h"
#include "app/studio/training_worker.h"
#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/quant/run_index.h"
#include "engine/quant/schedule.h"
#include "widgets/plot_theme.h"
#include "widgets/schedule_editor.h"

namespace bcjr::studio {

void MainWindow::buildRunsDock() {
  widgets::install_plot_theming();
  overlay_ = new RunOverlay(this);
  overlay_->setObjectName("runOverlay");
  connect(overlay_, &RunOverlay::tracesChanged, this, [this] { dirty_ = true; });
  connect(overlay_, &RunOverlay::loadFailed, this,
          [this](const QString& dir, const QString& message) { log(tr("cannot show run %1: %2").arg(dir, message)); });
  runs_ = new RunsPanel;
  runs_->setObjectName("runsPanel");
  for (const QString& dir : StudioSettings::recent(RecentKind::Run, true)) runs_->addFolder(dir, false);
  connect(runs_, &RunsPanel::checkedChanged, overlay_, &RunOverlay::setRuns);
  // A shown run that goes on in another process is read again at each of the panel's scans.
  connect(runs_, &RunsPanel::done, this, [this] {
    for (const QString& dir : runs_->checkedRuns())
      if (const quant::RunSummary* r = runs_->summary(dir))
        if (r->status.state == quant::RunState::Running && dir != overlay_->liveRun()) overlay_->reload(dir);
  });
  connect(runs_, &RunsPanel::resumeRequested, this, &MainWindow::resumeTraining);
  connect(runs_, &RunsPanel::exportRequested, this,
          [this](const QString& dir) { export_snapshot_interactively(this, exporter_, dir); });
  auto* dock = new QDockWidget(tr("Runs"), this);
  dock->setObjectName("runsDock");
  dock->setWidget(runs_);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
  if (auto* log_dock = findChild<QDockWidget*>("logDock")) splitDockWidget(dock, log_dock, Qt::Horizontal);
  resizeDocks({dock}, {230}, Qt::Vertical);
  resizeDocks({dock}, {860}, Qt::Horizontal);

  exporter_ = new SnapshotExporter(this);
  connect(exporter_, &SnapshotExporter::progress, this, [this](const QString& stage, qint64 done, qint64 total) {
    statusBar()->showMessage(total > 0 ? tr("%1: %2/%3").arg(stage).arg(done).arg(total) : stage);
  });
  connect(exporter_, &SnapshotExporter::finished, this, [this](const QString& details) {
    log(details);
    statusBar()->showMessage(tr("Export done: %1").arg(details.section('\n', 0, 0)), 10000);
  });
  connect(exporter_, &SnapshotExporter::failed, this, [this](const QString& message) {
    log(tr("export failed: %1").arg(message));
    QMessageBox::warning(this, tr("Export snapshot"), message);
  });
  connect(exporter_, &SnapshotExporter::cancelled, this, [this] {
    log(tr("export cancelled"));
    statusBar()->showMessage(tr("Export cancelled"), 5000);
  });
  // The layout and look of the last session (window geometry and docks once they all exist).
  QTimer::singleShot(0, this, [this] { StudioSettings::restoreWindow(this); });
  if (StudioSettings::dark()) set_dark_palette(true);
}

void MainWindow::buildRunsMenus(QMenu* file, QMenu* view) {
  // Inserted above File's Quit (the last separator) in the order they read.
  QAction* before = nullptr;
  for (QAction* a : file->actions())
    if (a->isSeparator()) before = a;
  auto add = [&](QAction* a) { file->insertAction(before, a); };
  auto* open_run = new QAction(tr("Open r&un folder…"), this);
  connect(open_run, &QAction::triggered, this, &MainWindow::openRun);
  add(open_run);
  auto* export_snapshot = new QAction(tr("Export &snapshot…"), this);
  export_snapshot->setObjectName("exportSnapshotAction");
  connect(export_snapshot, &QAction::triggered, this, &MainWindow::exportSnapshotInteractively);
  add(export_snapshot);
  const std::pair<QString, RecentKind> recents[] = {
      {tr("Recent &models"), RecentKind::Model}, {tr("Recent te&xts"), RecentKind::Text}, {tr("Recent r&uns"), RecentKind::Run}};
  for (const auto& [title, kind] : recents) {
    auto* menu = new QMenu(title, this);
    const int k = int(kind);
    connect(menu, &QMenu::aboutToShow, this, [this, menu, k] { fillRecentMenu(menu, k); });
    add(menu->menuAction());
  }

  view->addSeparator();
  auto* dark = view->addAction(tr("&Dark"));
  dark->setObjectName("darkAction");
  dark->setCheckable(true);
  dark->setChecked(StudioSettings::dark());
  connect(dark, &QAction::toggled, this, &MainWindow::setDark);
}

void MainWindow::fillRecentMenu(QMenu* menu, int kind) {
  menu->clear();
  const auto k = RecentKind(kind);
  const QStringList entries = StudioSettings::recent(k, true);
  for (const QString& path : entries) {
    menu->addAction(path, this, [this, k, path] {
      if (k == RecentKind::Model) setModel(path);
      else if (k == RecentKind::Text) setText(path);
      else openRunFolder(path);
    });
  }
  if (entries.isEmpty()) menu->addAction(tr("(none)"))->setEnabled(false);
  menu->addSeparator();
  menu->addAction(tr("Clear"), this, [k] { StudioSettings::clearRecent(k); });
}

void MainWindow::setDark(bool dark) {
  set_dark_palette(dark);
  StudioSettings::setDark(dark);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  StudioSettings::saveWindow(this);
  QMainWindow::closeEvent(event);
}

QString MainWindow::currentRun() const {
  if (!live_run_.isEmpty()) return live_run_;
  return runs_->selectedRun();
}

void MainWindow::openRun() {
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Open run folder"), StudioSettings::lastFolder(FileKind::Run, QString::fromStdString(bcjr_home()) + "/runs"));
  if (dir.isEmpty()) return;
  StudioSettings::setLastFolder(FileKind::Run, dir);
  openRunFolder(dir);
}

void MainWindow::openRunFolder(const QString& dir) {
  if (!QFileInfo(dir + "/run.json").isFile()) {
    QMessageBox::warning(this, tr("Open run folder"), tr("%1 is not a run folder: it has no run.json").arg(dir));
    return;
  }
  runs_->addFolder(dir);
  // The panel lists the folder once its refresh is in; then it is ticked alone.
  auto once = std::make_shared<QMetaObject::Connection>();
  *once = connect(runs_, &RunsPanel::done, this, [this, dir, once] {
    disconnect(*once);
    runs_->showOnly(dir);
  });
  showView("perplexity");
  log(tr("opened run %1").arg(dir));
}

void MainWindow::resumeTraining(const QString& dir) {
  quant::QatConfig config;
  quant::TemperatureSchedule schedule = quant::TemperatureSchedule::constant(1.0);
  try {
    const quant::RunSummary r = quant::summarize_run(dir.toStdString());
    if (!r.error.empty()) throw Error(r.error);
    if (r.status.state == quant::RunState::Running) throw Error("it is running (" + r.status.detail + ")");
    config = r.config;
    schedule = quant::schedule_in_force(dir.toStdString());
  } catch (const std::exception& e) {
    showEngineError(tr("cannot resume %1: %2").arg(dir, QString::fromStdString(e.what())));
    return;
  }
  // The Schedule tab shows the run's schedules over the run's steps, so that what it shows is what
  // runs, and an edit during the run changes these (not the editor's previous ones). Once the run
  // starts, the trainer reports each phase's schedule from its checkpoint (schedulesInForce).
  std::vector<quant::TemperatureSchedule> schedules = config.phase_schedules;
  if (schedules.empty()) schedules.push_back(schedule);
  showing_run_schedules_ = true;  // nothing runs yet: nothing to replace
  schedule_tab_->showRun(config, schedules);
  showing_run_schedules_ = false;
  log(tr("resuming %1: %2 steps, schedule %3").arg(dir).arg(config.total_steps())
          .arg(QString::fromStdString(quant::describe_schedule(schedule))));
  TrainRequest r;
  r.run_dir = dir;
  r.resume = true;
  startTraining(r);
}

void MainWindow::exportSnapshotInteractively() {
  const QString run = currentRun();
  if (run.isEmpty()) {
    QMessageBox::information(this, tr("Export snapshot"),
                             tr("No run to export: run one, or select a finished run in the Runs panel."));
    return;
  }
  export_snapshot_interactively(this, exporter_, run);
}

bool MainWindow::exportSnapshot(const QString& run_dir, const QString& format, const QString& out) {
  return exporter_->start(run_dir, format, out);
}

void MainWindow::showRunSummary(const QString& run_dir) {
  if (run_dir.isEmpty()) return;
  auto* d = new RunSummaryDialog(run_dir, this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  connect(d, &RunSummaryDialog::exportRequested, this,
          [this](const QString& dir) { export_snapshot_interactively(this, exporter_, dir); });
  d->show();
}

}  // namespace bcjr::studio
