// The Runs panel: every run folder under $BCJR_HOME/runs and every folder the user opened, with
// its status (running, finished, cancelled, failed, interrupted), model, layers, method,
// schedule, lr, steps and FP / PTQ / QAT perplexities. Ticking runs overlays them in the curve
// views; double-click (or Open) shows one run alone; Resume and Export act on the selected run.
// Folders are read off the GUI thread, again every few seconds while the panel is visible.
#pragma once

#include <QStringList>
#include <QWidget>

#include "engine/quant/run_index.h"

class QLabel;
class QPushButton;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace bcjr::studio {

class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  // Columns of the table, in order.
  enum Column { Name, Status, Model, Layers, Method, Schedule, Lr, Steps, PplFp, PplPtq, PplQat, ColumnCount };

  explicit RunsPanel(QWidget* parent = nullptr);

  // Where runs are listed from: $BCJR_HOME/runs by default.
  void setRoot(const QString& root);
  QString root() const { return root_; }
  // Adds a folder that is not under the root (File > Open run folder); it stays listed, and with
  // `remember` it becomes the most recent of the recent runs.
  void addFolder(const QString& dir, bool remember = true);
  QStringList extraFolders() const { return extra_; }

  // Re-reads every folder (off the GUI thread); done() fires when the table is up to date.
  void refresh();
  bool refreshing() const { return refreshing_; }

  // The ticked runs, in table order.
  QStringList checkedRuns() const;
  void setChecked(const QString& dir, bool checked);
  // Ticks `dir` alone (untick the others): what Open does.
  void showOnly(const QString& dir);
  QString selectedRun() const;
  void select(const QString& dir);
  const quant::RunSummary* summary(const QString& dir) const;
  QTreeWidget* table() const { return table_; }

 Q_SIGNALS:
  void checkedChanged(const QStringList& dirs);
  void resumeRequested(const QString& dir);
  void exportRequested(const QString& dir);
  void done();

 private:
  void fill(const std::vector<quant::RunSummary>& runs);
  void updateButtons();
  QTreeWidgetItem* itemFor(const QString& dir) const;

  QString root_;
  QStringList extra_;
  QTreeWidget* table_;
  QLabel* where_;
  QPushButton *open_, *resume_, *export_, *refresh_;
  QTimer* poll_;
  std::vector<quant::RunSummary> runs_;
  bool refreshing_ = false, again_ = false, filling_ = false;
};

}  // namespace bcjr::studio
