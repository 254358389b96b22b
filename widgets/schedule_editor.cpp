#include "widgets/schedule_editor.h"

#include <qcustomplot.h>

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTabBar>
#include <QTableWidget>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/log_ticker.h"
#include "widgets/schedule_command.h"

namespace bcjr::widgets {

namespace {
QString number(double v) { return QString::number(v, 'g', 6); }
}  // namespace

ScheduleEditor::ScheduleEditor(QWidget* parent)
    : QWidget(parent), plot_(new QCustomPlot), phase_bar_(new QTabBar), table_(new QTableWidget(0, 2)),
      join_(new QComboBox), undo_(new QUndoStack(this)) {
  plot_->xAxis->setLabel(tr("training step (of the phase)"));
  plot_->yAxis->setLabel(tr("temperature T (normalised units)"));
  set_log_ticks(plot_->yAxis);
  curve_ = plot_->addGraph();
  curve_->setPen(QPen(QColor(31, 119, 180), 1.6));
  curve_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
  handles_ = plot_->addGraph();
  handles_->setLineStyle(QCPGraph::lsNone);
  handles_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(QColor(214, 39, 40), 2), Qt::white, 10));
  marker_ = plot_->addGraph();
  marker_->setPen(QPen(QColor(120, 120, 120), 1.5, Qt::DashLine));
  plot_->setToolTip(tr("Drag a point (step and T); double-click to add one; right-click to remove one"));

  phase_bar_->setObjectName("schedulePhases");
  phase_bar_->setExpanding(false);
  phase_bar_->setVisible(false);
  connect(phase_bar_, &QTabBar::currentChanged, this, [this](int i) {
    if (!filling_ && i >= 0) setCurrentPhase(i);
  });

  table_->setObjectName("schedulePoints");
  table_->setHorizontalHeaderLabels({tr("step"), tr("T")});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->verticalHeader()->setVisible(false);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setMinimumWidth(170);
  connect(table_, &QTableWidget::cellChanged, this, &ScheduleEditor::onTableEdited);

  join_->setObjectName("scheduleJoin");
  join_->addItems({tr("joined in log T"), tr("joined in T")});
  join_->setToolTip(tr("How T runs between two points: log T (an exponential is two points) or T"));
  connect(join_, qOverload<int>(&QComboBox::activated), this, [this](int i) {
    PhaseSchedule p = state_.phases[current_];
    p.log_t = i == 0;
    setPhase(current_, p, tr("Join points in %1").arg(p.log_t ? "log T" : "T"));
  });

  auto* add = new QPushButton(tr("Add"));
  add->setObjectName("addPoint");
  add->setToolTip(tr("Add a point in the middle of the widest gap"));
  connect(add, &QPushButton::clicked, this, &ScheduleEditor::addPoint);
  auto* remove = new QPushButton(tr("Remove"));
  remove->setObjectName("removePoint");
  connect(remove, &QPushButton::clicked, this, &ScheduleEditor::removeSelected);
  QAction* undo = undo_->createUndoAction(this, tr("Undo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  QAction* redo = undo_->createRedoAction(this, tr("Redo"));
  redo->setShortcut(QKeySequence::Redo);
  redo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  addAction(undo);
  addAction(redo);
  auto* undo_button = new QToolButton;
  undo_button->setDefaultAction(undo);
  auto* redo_button = new QToolButton;
  redo_button->setDefaultAction(redo);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(add);
  buttons->addWidget(remove);
  auto* history = new QHBoxLayout;
  history->addWidget(undo_button);
  history->addWidget(redo_button);
  auto* side = new QVBoxLayout;
  side->addWidget(new QLabel(tr("Points")));
  side->addWidget(table_, 1);
  side->addLayout(buttons);
  side->addWidget(join_);
  side->addLayout(history);
  auto* body = new QHBoxLayout;
  body->addWidget(plot_, 1);
  body->addLayout(side);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(phase_bar_);
  layout->addLayout(body, 1);

  connect(plot_, &QCustomPlot::mousePress, this, &ScheduleEditor::onPress);
  connect(plot_, &QCustomPlot::mouseMove, this, &ScheduleEditor::onMove);
  connect(plot_, &QCustomPlot::mouseRelease, this, &ScheduleEditor::onRelease);
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, &ScheduleEditor::onDoubleClick);

  // The paper's skip-high-T: 0.3 -> 0.05 over 10 steps, as two points joined in log T.
  state_.phases = {PhaseSchedule{QString(), {QPointF(0, 0.3), QPointF(9, 0.05)}, true}};
  applyState(state_);
}

void ScheduleEditor::push(const ScheduleState& after, const QString& what, int merge_key) {
  if (after == state_) return;
  undo_->push(new ScheduleCommand(this, state_, after, what, merge_key));
}

void ScheduleEditor::setState(const ScheduleState& s, const QString& what) {
  ScheduleState t = s;
  t.steps = std::max(1, t.steps);
  if (t.phases.isEmpty()) t.phases.append(PhaseSchedule{});
  for (auto& p : t.phases) p.points = tidy_points(p.points);
  push(t, what);
}

void ScheduleEditor::setPhase(int phase, const PhaseSchedule& s, const QString& what) {
  if (phase < 0 || phase >= phaseCount()) return;
  ScheduleState t = state_;
  t.phases[phase] = s;
  setState(t, what);
}

void ScheduleEditor::setPoints(const QVector<QPointF>& points) {
  PhaseSchedule p = state_.phases[current_];
  p.points = points;
  setPhase(current_, p, tr("Set points"));
}

void ScheduleEditor::setSteps(int steps) {
  steps = std::max(1, steps);
  if (steps == state_.steps) return;
  ScheduleState t = state_;
  for (auto& p : t.phases) p = stretch_schedule(p, state_.steps, steps);
  t.steps = steps;
  push(t, tr("Stretch to %1 steps").arg(steps));
}

void ScheduleEditor::setCurrentPhase(int phase) {
  if (phase < 0 || phase >= phaseCount() || phase == current_) return;
  current_ = phase;
  refreshPhaseBar();
  refillTable();
  redraw(true);
}

QVector<double> ScheduleEditor::temperatures(int phase) const {
  if (phase < 0 || phase >= phaseCount()) phase = current_;
  return schedule_temperatures(state_.phases[phase], state_.steps);
}

void ScheduleEditor::setRunPosition(int phase, int step) {
  run_phase_ = phase;
  run_step_ = step;
  refreshPhaseBar();
  redraw(false);
}

void ScheduleEditor::applyState(const ScheduleState& s) {
  const ScheduleState old = state_;
  state_ = s;
  current_ = std::clamp(current_, 0, phaseCount() - 1);
  refreshPhaseBar();
  refillTable();
  redraw(dragging_ < 0);  // a fixed range while dragging keeps the point under the mouse
  Q_EMIT stateChanged();
  if (dragging_ >= 0) return;  // the drag reports once, when it ends
  if (old.steps != state_.steps) Q_EMIT stepsChanged(state_.steps);
  for (int i = 0; i < phaseCount(); ++i)
    if (i >= old.phases.size() || old.phases[i] != state_.phases[i] || old.steps != state_.steps)
      Q_EMIT scheduleChanged(i);
}

void ScheduleEditor::refreshPhaseBar() {
  filling_ = true;
  while (phase_bar_->count() > phaseCount()) phase_bar_->removeTab(phase_bar_->count() - 1);
  while (phase_bar_->count() < phaseCount()) phase_bar_->addTab(QString());
  for (int i = 0; i < phaseCount(); ++i) {
    QString label = state_.phases[i].label.isEmpty() ? tr("phase %1").arg(i + 1) : state_.phases[i].label;
    if (i == run_phase_) label += tr(" (running)");
    phase_bar_->setTabText(i, label);
  }
  phase_bar_->setCurrentIndex(current_);
  phase_bar_->setVisible(phaseCount() > 1);
  filling_ = false;
}

void ScheduleEditor::refillTable() {
  filling_ = true;
  const auto& pts = state_.phases[current_].points;
  table_->setRowCount(int(pts.size()));
  for (int i = 0; i < pts.size(); ++i) {
    table_->setItem(i, 0, new QTableWidgetItem(number(pts[i].x())));
    table_->setItem(i, 1, new QTableWidgetItem(number(pts[i].y())));
  }
  join_->setCurrentIndex(state_.phases[current_].log_t ? 0 : 1);
  filling_ = false;
}

void ScheduleEditor::redraw(bool rescale) {
  const int n = state_.steps;
  const auto t = temperatures();
  QVector<double> x(n);
  for (int i = 0; i < n; ++i) x[i] = i;
  curve_->setData(x, t);
  QVector<double> hx, hy;
  for (const QPointF& p : state_.phases[current_].points) hx.append(p.x()), hy.append(p.y());
  handles_->setData(hx, hy);
  if (run_phase_ == current_ && run_step_ >= 0)
    marker_->setData({double(run_step_), double(run_step_)}, {kScheduleMinT, kScheduleMaxT});
  else
    marker_->data()->clear();
  if (rescale) {
    double right = n - 0.5;
    for (double v : hx) right = std::max(right, v + 0.5);
    plot_->xAxis->setRange(-0.5, right);
    double lo = kScheduleMaxT, hi = kScheduleMinT;
    for (double v : t + hy) lo = std::min(lo, v), hi = std::max(hi, v);
    plot_->yAxis->setRange(std::max(kScheduleMinT, lo / 2), std::min(kScheduleMaxT, hi * 2));
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int ScheduleEditor::pointNear(const QPoint& pixel) const {
  const auto& pts = state_.phases[current_].points;
  for (int i = 0; i < pts.size(); ++i) {
    QPointF c(plot_->xAxis->coordToPixel(pts[i].x()), plot_->yAxis->coordToPixel(pts[i].y()));
    if (std::hypot(c.x() - pixel.x(), c.y() - pixel.y()) < 9) return i;
  }
  return -1;
}

void ScheduleEditor::onPress(QMouseEvent* e) {
  const int i = pointNear(e->pos());
  if (e->button() == Qt::RightButton && i >= 0 && points().size() > 1) {
    auto p = points();
    p.remove(i);
    PhaseSchedule s = state_.phases[current_];
    s.points = p;
    setPhase(current_, s, tr("Remove point"));
  } else if (e->button() == Qt::LeftButton && i >= 0) {
    dragging_ = i;
    drag_start_ = state_;
    ++drag_serial_;
  }
}

void ScheduleEditor::onMove(QMouseEvent* e) {
  if (dragging_ < 0) return;
  ScheduleState t = state_;
  auto& pts = t.phases[current_].points;
  QPointF& p = pts[dragging_];
  // The step stays strictly between the neighbours' steps, so the point keeps its place.
  const double lo = dragging_ > 0 ? std::floor(pts[dragging_ - 1].x()) + 1 : 0.0;
  const double hi = dragging_ + 1 < pts.size() ? std::ceil(pts[dragging_ + 1].x()) - 1 : std::max(p.x(), state_.steps - 1.0);
  const double x = std::round(plot_->xAxis->pixelToCoord(e->pos().x()));
  if (lo <= hi) p.setX(std::clamp(x, lo, hi));
  p.setY(std::clamp(plot_->yAxis->pixelToCoord(e->pos().y()), kScheduleMinT, kScheduleMaxT));
  push(t, tr("Drag point"), drag_serial_);
}

void ScheduleEditor::onRelease(QMouseEvent*) {
  if (dragging_ < 0) return;
  dragging_ = -1;
  const ScheduleState start = drag_start_;
  drag_start_ = ScheduleState();
  redraw(true);
  if (start.phases.size() == state_.phases.size() && start.phases[current_] != state_.phases[current_])
    Q_EMIT scheduleChanged(current_);
}

void ScheduleEditor::onDoubleClick(QMouseEvent* e) {
  if (pointNear(e->pos()) >= 0) return;
  auto p = points();
  p.append(QPointF(std::round(plot_->xAxis->pixelToCoord(e->pos().x())), plot_->yAxis->pixelToCoord(e->pos().y())));
  PhaseSchedule s = state_.phases[current_];
  s.points = p;
  setPhase(current_, s, tr("Add point"));
}

void ScheduleEditor::onTableEdited(int row, int column) {
  if (filling_) return;
  auto p = points();
  bool ok = false;
  const double v = table_->item(row, column)->text().trimmed().toDouble(&ok);
  const bool valid = ok && std::isfinite(v) && (column == 0 ? v >= 0 : v > 0) && row < p.size();
  if (!valid) {  // back to what it was
    refillTable();
    return;
  }
  if (column == 0) p[row].setX(v);
  else p[row].setY(v);
  PhaseSchedule s = state_.phases[current_];
  s.points = p;
  setPhase(current_, s, tr("Type %1").arg(column == 0 ? tr("step") : "T"));
  refillTable();  // tidied: clamped, sorted, merged
}

void ScheduleEditor::addPoint() {
  PhaseSchedule s = state_.phases[current_];
  const auto& p = s.points;
  const auto t = temperatures();
  double at = -1;
  if (p.size() == 1) {
    at = p[0].x() < state_.steps - 1 ? state_.steps - 1 : 0;
  } else {
    double widest = 0;
    for (int i = 0; i + 1 < p.size(); ++i)
      if (p[i + 1].x() - p[i].x() > widest) widest = p[i + 1].x() - p[i].x(), at = std::round((p[i].x() + p[i + 1].x()) / 2);
    if (widest < 2) at = p.last().x() + 1;  // no room between: extend past the last point
  }
  const int i = std::clamp(int(at), 0, int(t.size()) - 1);
  s.points.append(QPointF(at, at < t.size() ? t[i] : p.last().y()));
  setPhase(current_, s, tr("Add point"));
}

void ScheduleEditor::removeSelected() {
  QVector<int> rows;
  for (const auto& r : table_->selectionModel()->selectedRows()) rows.append(r.row());
  if (rows.isEmpty()) return;
  std::sort(rows.rbegin(), rows.rend());
  PhaseSchedule s = state_.phases[current_];
  for (int r : rows)
    if (s.points.size() > 1 && r < s.points.size()) s.points.remove(r);
  setPhase(current_, s, tr("Remove point"));
}

}  // namespace bcjr::widgets
