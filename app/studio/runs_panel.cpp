#include "app/studio/runs_panel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

#include "app/studio/studio_settings.h"
#include "engine/core/assets.h"

namespace bcjr::studio {
namespace {

QString ppl_text(double v) { return std::isnan(v) ? QStringLiteral("-") : QString::number(v, 'f', 4); }

QString absolute(const QString& dir) { return QFileInfo(dir).absoluteFilePath(); }

QString lr_text(const quant::QatConfig& c) {
  return QStringLiteral("%1 (%2)").arg(c.lr, 0, 'g', 4).arg(QString::fromStdString(c.lr_units));
}

bool resumable(quant::RunState s) {
  return s == quant::RunState::Cancelled || s == quant::RunState::Interrupted || s == quant::RunState::Failed ||
         s == quant::RunState::NotStarted;
}

}  // namespace

RunsPanel::RunsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  where_ = new QLabel;
  where_->setWordWrap(true);
  where_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(where_);
  table_ = new QTreeWidget;
  table_->setObjectName("runsTable");
  table_->setRootIsDecorated(false);
  table_->setAlternatingRowColors(true);
  table_->setUniformRowHeights(true);
  table_->setSortingEnabled(true);
  table_->setHeaderLabels({tr("Run"), tr("Status"), tr("Model"), tr("Layers"), tr("Method"), tr("Schedule"), tr("lr"),
                           tr("Steps"), tr("FP"), tr("PTQ"), tr("QAT")});
  table_->headerItem()->setToolTip(Name, tr("Tick runs to draw them together in the curve views"));
  for (int c : {PplFp, PplPtq, PplQat})
    table_->headerItem()->setToolTip(c, tr("Held-out perplexity; the protocol is in each cell's tooltip"));
  table_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->header()->setStretchLastSection(false);
  table_->sortByColumn(Name, Qt::AscendingOrder);
  layout->addWidget(table_, 1);

  auto* buttons = new QHBoxLayout;
  open_ = new QPushButton(tr("Add folder…"));
  open_->setToolTip(tr("List a run folder that is not under the runs folder"));
  auto* show = new QPushButton(tr("Show alone"));
  show->setToolTip(tr("Draw only the selected run (double-click does the same)"));
  resume_ = new QPushButton(tr("Resume"));
  resume_->setObjectName("resumeRun");
  resume_->setToolTip(tr("Continue the selected run from its last checkpoint, with its own configuration and schedule"));
  export_ = new QPushButton(tr("Export…"));
  export_->setObjectName("exportRun");
  export_->setToolTip(tr("Export the selected finished run as pt, packed or hf"));
  refresh_ = new QPushButton(tr("Refresh"));
  for (QPushButton* b : {open_, show, resume_, export_, refresh_}) buttons->addWidget(b);
  buttons->addStretch(1);
  layout->addLayout(buttons);

  connect(open_, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Add run folder"),
                                                          StudioSettings::lastFolder(FileKind::Run, root_));
    if (dir.isEmpty()) return;
    StudioSettings::setLastFolder(FileKind::Run, dir);
    addFolder(dir);
    showOnly(dir);
  });
  connect(show, &QPushButton::clicked, this, [this] {
    if (!selectedRun().isEmpty()) showOnly(selectedRun());
  });
  connect(resume_, &QPushButton::clicked, this, [this] {
    if (!selectedRun().isEmpty()) Q_EMIT resumeRequested(selectedRun());
  });
  connect(export_, &QPushButton::clicked, this, [this] {
    if (!selectedRun().isEmpty()) Q_EMIT exportRequested(selectedRun());
  });
  connect(refresh_, &QPushButton::clicked, this, &RunsPanel::refresh);
  connect(table_, &QTreeWidget::itemSelectionChanged, this, &RunsPanel::updateButtons);
  connect(table_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    showOnly(item->data(Name, Qt::UserRole).toString());
  });
  connect(table_, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem*, int column) {
    if (column == Name && !filling_) Q_EMIT checkedChanged(checkedRuns());
  });
  // Statuses change while runs go on (here or in another process): read them again now and then.
  poll_ = new QTimer(this);
  poll_->setInterval(5000);
  connect(poll_, &QTimer::timeout, this, [this] {
    if (isVisible()) refresh();
  });
  poll_->start();
  setRoot(QString::fromStdString(bcjr_home()) + "/runs");
  updateButtons();
}

void RunsPanel::setRoot(const QString& root) {
  root_ = root;
  where_->setText(tr("Runs in <b>%1</b> and folders you add. Tick runs to overlay them.").arg(root.toHtmlEscaped()));
  refresh();
}

void RunsPanel::addFolder(const QString& dir, bool remember) {
  const QString abs = absolute(dir);
  if (QFileInfo(abs).absolutePath() != absolute(root_) && !extra_.contains(abs)) extra_ << abs;
  if (remember) StudioSettings::addRecent(RecentKind::Run, abs);
  refresh();
}

void RunsPanel::refresh() {
  if (refreshing_) {
    again_ = true;  // one more pass once this one is in
    return;
  }
  refreshing_ = true;
  const std::string root = root_.toStdString();
  std::vector<std::string> extra;
  for (const QString& e : extra_) extra.push_back(e.toStdString());
  auto* watcher = new QFutureWatcher<std::vector<quant::RunSummary>>(this);
  connect(watcher, &QFutureWatcher<std::vector<quant::RunSummary>>::finished, this, [this, watcher] {
    fill(watcher->result());
    watcher->deleteLater();
    refreshing_ = false;
    if (again_) {
      again_ = false;
      refresh();
    } else {
      Q_EMIT done();
    }
  });
  watcher->setFuture(QtConcurrent::run([root, extra] {
    std::vector<quant::RunSummary> runs = quant::list_runs(root);
    for (const auto& e : extra) runs.push_back(quant::summarize_run(e));
    return runs;
  }));
}

QTreeWidgetItem* RunsPanel::itemFor(const QString& dir) const {
  const QString abs = absolute(dir);
  for (int i = 0; i < table_->topLevelItemCount(); ++i)
    if (table_->topLevelItem(i)->data(Name, Qt::UserRole).toString() == abs) return table_->topLevelItem(i);
  return nullptr;
}

void RunsPanel::fill(const std::vector<quant::RunSummary>& runs) {
  filling_ = true;
  const QStringList checked = checkedRuns();
  const QString selected = selectedRun();
  table_->setSortingEnabled(false);
  QStringList seen;
  for (const auto& r : runs) {
    const QString path = absolute(QString::fromStdString(r.path));
    if (seen.contains(path)) continue;
    seen << path;
    QTreeWidgetItem* item = itemFor(path);
    if (!item) {
      item = new QTreeWidgetItem(table_);
      item->setData(Name, Qt::UserRole, path);
      item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
      item->setCheckState(Name, Qt::Unchecked);
    }
    item->setText(Name, QString::fromStdString(r.name));
    item->setToolTip(Name, path);
    const QString status = r.error.empty() ? QString::fromUtf8(quant::run_state_name(r.status.state)) : tr("unreadable");
    item->setText(Status, status);
    item->setToolTip(Status, QString::fromStdString(r.error.empty() ? r.status.detail : r.error));
    if (!r.error.empty()) {
      for (int c = Model; c < ColumnCount; ++c) item->setText(c, QString());
      continue;
    }
    item->setText(Model, QString::fromStdString(r.model));
    item->setText(Layers, QString::fromStdString(r.layers));
    item->setText(Method, QString::fromStdString(r.method));
    item->setText(Schedule, QString::fromStdString(r.schedule));
    item->setText(Lr, r.config.steps == 0 ? QStringLiteral("-") : lr_text(r.config));
    item->setText(Steps, QStringLiteral("%1/%2").arg(r.steps_done).arg(r.steps_total));
    item->setText(PplFp, ppl_text(r.ppl_fp));
    item->setText(PplPtq, ppl_text(r.ppl_ptq));
    item->setText(PplQat, ppl_text(r.ppl_qat));
    for (int c : {PplFp, PplPtq, PplQat}) {
      item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
      item->setToolTip(c, QString::fromStdString(r.protocol));
    }
  }
  for (int i = table_->topLevelItemCount() - 1; i >= 0; --i)
    if (!seen.contains(table_->topLevelItem(i)->data(Name, Qt::UserRole).toString())) delete table_->takeTopLevelItem(i);
  runs_ = runs;
  table_->setSortingEnabled(true);
  filling_ = false;
  if (checkedRuns() != checked) Q_EMIT checkedChanged(checkedRuns());  // a ticked folder went away
  if (!selected.isEmpty()) select(selected);
  updateButtons();
}

QStringList RunsPanel::checkedRuns() const {
  QStringList out;
  for (int i = 0; i < table_->topLevelItemCount(); ++i)
    if (table_->topLevelItem(i)->checkState(Name) == Qt::Checked)
      out << table_->topLevelItem(i)->data(Name, Qt::UserRole).toString();
  return out;
}

void RunsPanel::setChecked(const QString& dir, bool checked) {
  if (QTreeWidgetItem* item = itemFor(dir)) item->setCheckState(Name, checked ? Qt::Checked : Qt::Unchecked);
}

void RunsPanel::showOnly(const QString& dir) {
  filling_ = true;
  for (int i = 0; i < table_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* item = table_->topLevelItem(i);
    item->setCheckState(Name, item->data(Name, Qt::UserRole).toString() == absolute(dir) ? Qt::Checked : Qt::Unchecked);
  }
  filling_ = false;
  select(dir);
  Q_EMIT checkedChanged(checkedRuns());
}

QString RunsPanel::selectedRun() const {
  const auto items = table_->selectedItems();
  return items.isEmpty() ? QString() : items.first()->data(Name, Qt::UserRole).toString();
}

void RunsPanel::select(const QString& dir) {
  if (QTreeWidgetItem* item = itemFor(dir)) table_->setCurrentItem(item);
}

const quant::RunSummary* RunsPanel::summary(const QString& dir) const {
  for (const auto& r : runs_)
    if (absolute(QString::fromStdString(r.path)) == absolute(dir)) return &r;
  return nullptr;
}

void RunsPanel::updateButtons() {
  const quant::RunSummary* r = summary(selectedRun());
  const bool ok = r && r->error.empty();
  resume_->setEnabled(ok && resumable(r->status.state));
  export_->setEnabled(ok && r->status.state == quant::RunState::Finished);
}

}  // namespace bcjr::studio
