#include "app/studio/schedule_tab.h"

#include <nlohmann/json.hpp>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>

#include "app/studio/schedule_conversion.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/qat_config.h"
#include "widgets/schedule_editor.h"

namespace bcjr::studio {

namespace {
using quant::TemperatureSchedule;

QDoubleSpinBox* temperature_box(double value) {
  auto* b = new QDoubleSpinBox;
  b->setDecimals(4);
  b->setRange(widgets::kScheduleMinT, widgets::kScheduleMaxT);
  b->setSingleStep(0.01);
  b->setValue(value);
  return b;
}

QString layer_label(int layer) { return QObject::tr("layer %1").arg(layer); }
}  // namespace

ScheduleTab::ScheduleTab(QWidget* parent) : QWidget(parent), editor_(new widgets::ScheduleEditor) {
  editor_->setObjectName("scheduleEditor");
  preset_ = new QComboBox;
  preset_->setObjectName("schedulePreset");
  preset_->addItem(tr("skip-high-T"), "skip-high-T");
  preset_->addItem(tr("naive"), "naive");
  preset_->addItem(tr("exponential"), "exponential");
  preset_->addItem(tr("cosine"), "cosine");
  preset_->addItem(tr("linear"), "linear");
  preset_->addItem(tr("constant"), "constant");
  preset_->setToolTip(tr("skip-high-T: 0.3 → 0.05 (the paper's); naive: 1.0 → 0.05; the others from T0 to Tmin "
                         "(constant: T0)"));
  t0_ = temperature_box(0.3);
  t0_->setObjectName("scheduleT0");
  tmin_ = temperature_box(0.05);
  tmin_->setObjectName("scheduleTmin");
  steps_ = new QSpinBox;
  steps_->setObjectName("scheduleSteps");
  steps_->setRange(1, 100000);
  steps_->setValue(editor_->steps());
  steps_->setToolTip(tr("Steps per phase; changing it stretches the schedules"));
  auto* apply = new QPushButton(tr("Apply"));
  apply->setToolTip(tr("Replace the schedule shown with the preset"));
  connect(apply, &QPushButton::clicked, this, [this] { applyPreset(preset_->currentData().toString()); });
  connect(preset_, qOverload<int>(&QComboBox::activated), this, &ScheduleTab::presetChosen);
  connect(steps_, qOverload<int>(&QSpinBox::valueChanged), editor_, &widgets::ScheduleEditor::setSteps);
  connect(editor_, &widgets::ScheduleEditor::stepsChanged, this, [this](int n) {
    QSignalBlocker block(steps_);
    steps_->setValue(n);
  });
  auto* save = new QPushButton(tr("Save…"));
  connect(save, &QPushButton::clicked, this, &ScheduleTab::save);
  auto* load = new QPushButton(tr("Load…"));
  connect(load, &QPushButton::clicked, this, &ScheduleTab::load);

  per_layer_ = new QCheckBox(tr("A schedule per layer:"));
  per_layer_->setObjectName("schedulePerLayer");
  per_layer_->setToolTip(tr("independent and greedy runs train one layer per phase; each phase can have its own "
                            "schedule (a joint run has one phase and takes the first)"));
  layers_ = new QLineEdit("4,8");
  layers_->setObjectName("scheduleLayers");
  layers_->setMaximumWidth(100);
  layers_->setEnabled(false);
  connect(per_layer_, &QCheckBox::toggled, layers_, &QLineEdit::setEnabled);
  connect(per_layer_, &QCheckBox::toggled, this, &ScheduleTab::phasesEdited);
  connect(layers_, &QLineEdit::editingFinished, this, &ScheduleTab::phasesEdited);
  // Undo and redo can change the phases: the controls follow the editor.
  connect(editor_, &widgets::ScheduleEditor::stateChanged, this, [this] {
    const QVector<int> layers = phaseLayers();
    QSignalBlocker b1(per_layer_), b2(layers_);
    per_layer_->setChecked(!layers.isEmpty());
    layers_->setEnabled(!layers.isEmpty());
    QStringList parts;
    for (int l : layers) parts << QString::number(l);
    if (!layers.isEmpty()) layers_->setText(parts.join(','));
  });

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Preset")));
  bar->addWidget(preset_);
  bar->addWidget(new QLabel(tr("T0")));
  bar->addWidget(t0_);
  bar->addWidget(new QLabel(tr("Tmin")));
  bar->addWidget(tmin_);
  bar->addWidget(apply);
  bar->addStretch(1);
  auto* phases = new QHBoxLayout;
  phases->addWidget(new QLabel(tr("Steps")));
  phases->addWidget(steps_);
  phases->addSpacing(12);
  phases->addWidget(per_layer_);
  phases->addWidget(layers_);
  phases->addStretch(1);
  phases->addWidget(save);
  phases->addWidget(load);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addLayout(phases);
  layout->addWidget(editor_, 1);
}

void ScheduleTab::setSchedule(const TemperatureSchedule& schedule, const QString& what) {
  widgets::ScheduleState s = editor_->state();
  for (auto& p : s.phases) p = editor_schedule(schedule, s.steps, p.label);
  editor_->setState(s, what);
}

void ScheduleTab::setT0(double t0) { t0_->setValue(t0); }
void ScheduleTab::setTmin(double tmin) { tmin_->setValue(tmin); }

void ScheduleTab::presetChosen() {
  const QString name = preset_->currentData().toString();
  if (name == "skip-high-T") t0_->setValue(0.3), tmin_->setValue(0.05);
  if (name == "naive") t0_->setValue(1.0), tmin_->setValue(0.05);
  tmin_->setEnabled(name != "constant");
  applyPreset(name);
}

void ScheduleTab::applyPreset(const QString& name) {
  const double t0 = t0_->value(), tmin = tmin_->value();
  TemperatureSchedule s = TemperatureSchedule::constant(t0);
  if (name == "skip-high-T" || name == "naive") s = TemperatureSchedule::preset(name.toStdString());
  else if (name == "exponential") s = TemperatureSchedule::exponential(t0, tmin);
  else if (name == "cosine") s = TemperatureSchedule::cosine(t0, tmin);
  else if (name == "linear") s = TemperatureSchedule::linear(t0, tmin);
  const int phase = editor_->currentPhase();
  editor_->setPhase(phase, editor_schedule(s, editor_->steps(), editor_->state().phases[phase].label),
                    tr("Preset %1").arg(name));
}

QVector<int> ScheduleTab::phaseLayers() const {
  QVector<int> out;
  for (const auto& p : editor_->state().phases)
    if (!p.label.isEmpty()) out.append(p.label.section(' ', -1).toInt());
  return out;
}

void ScheduleTab::setPhaseLayers(const QVector<int>& layers) {
  widgets::ScheduleState s = editor_->state();
  const auto old = s.phases;
  s.phases.clear();
  for (int l : layers) {
    auto same = std::find_if(old.begin(), old.end(), [&](const widgets::PhaseSchedule& p) { return p.label == layer_label(l); });
    widgets::PhaseSchedule p = same != old.end() ? *same : old.first();
    p.label = layer_label(l);
    s.phases.append(p);
  }
  if (s.phases.isEmpty()) {
    s.phases = {old[editor_->currentPhase()]};
    s.phases[0].label.clear();
  }
  editor_->setState(s, layers.isEmpty() ? tr("One schedule for every phase") : tr("A schedule per layer"));
}

void ScheduleTab::phasesEdited() {
  QVector<int> layers;
  if (per_layer_->isChecked())
    for (const QString& part : layers_->text().split(',', Qt::SkipEmptyParts)) {
      bool ok = false;
      const int l = part.trimmed().toInt(&ok);
      if (ok && l >= 0 && !layers.contains(l)) layers.append(l);
    }
  setPhaseLayers(layers);
}

TemperatureSchedule ScheduleTab::schedule(int phase) const {
  return engine_schedule(editor_->state().phases[std::clamp(phase, 0, editor_->phaseCount() - 1)], editor_->steps());
}

QString ScheduleTab::applyTo(quant::QatConfig& c) {
  c.phase_schedules.clear();
  QVector<int> have = phaseLayers();
  if (have.isEmpty() || c.multi_layer == "joint") {
    c.schedule = schedule(0);
    return have.isEmpty() ? QString() : tr("a joint run has one phase: it takes the schedule of %1")
                                           .arg(editor_->state().phases[0].label);
  }
  QVector<int> want;
  for (int64_t l : c.layers) want.append(int(l));
  QString note;
  if (want != have) {
    setPhaseLayers(want);
    note = tr("the Schedule tab now has a schedule per layer of this run (new layers start from the first's)");
  }
  c.schedule = schedule(0);
  for (int i = 0; i < editor_->phaseCount(); ++i) c.phase_schedules.push_back(schedule(i));
  return note;
}

void ScheduleTab::showRun(const quant::QatConfig& c, const std::vector<TemperatureSchedule>& schedules) {
  if (schedules.empty()) return;
  widgets::ScheduleState s;
  s.steps = int(std::max<int64_t>(1, c.steps));
  bool differ = false;
  for (const auto& x : schedules) differ = differ || !(x == schedules[0]);
  const bool per_layer = c.multi_layer != "joint" && schedules.size() == c.layers.size() &&
                         (differ || !c.phase_schedules.empty());
  if (per_layer)
    for (size_t i = 0; i < schedules.size(); ++i)
      s.phases.append(editor_schedule(schedules[i], s.steps, layer_label(int(c.layers[i]))));
  else
    s.phases.append(editor_schedule(schedules[0], s.steps));
  editor_->setState(s, tr("The run's schedules"));
}

QString ScheduleTab::saveFile(const QString& path) const {
  nlohmann::json j;
  if (editor_->phaseCount() == 1) {
    j = schedule(0).to_json();
  } else {
    j = nlohmann::json::array();
    for (int i = 0; i < editor_->phaseCount(); ++i) j.push_back(schedule(i).to_json());
  }
  try {
    write_file_atomic(path.toStdString(), j.dump(2) + "\n");
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString ScheduleTab::loadFile(const QString& path) {
  std::vector<TemperatureSchedule> list;
  try {
    list = TemperatureSchedule::parse_list(path.toStdString());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  widgets::ScheduleState s = editor_->state();
  bool clamped = false, any = false;
  if (list.size() == 1) {
    const int i = editor_->currentPhase();
    s.phases[i] = editor_schedule(list[0], s.steps, s.phases[i].label, &clamped);
    any = clamped;
  } else if (int(list.size()) == editor_->phaseCount()) {
    for (int i = 0; i < s.phases.size(); ++i) {
      s.phases[i] = editor_schedule(list[size_t(i)], s.steps, s.phases[i].label, &clamped);
      any = any || clamped;
    }
  } else {
    return tr("%1 holds %2 schedules, and the editor has %3 phases: load it with as many layers").arg(path)
        .arg(list.size())
        .arg(editor_->phaseCount());
  }
  editor_->setState(s, tr("Load %1").arg(path.section('/', -1)));
  return any ? tr("%1: temperatures outside [%2, %3] were clamped to the editor's range").arg(path)
                   .arg(widgets::kScheduleMinT)
                   .arg(widgets::kScheduleMaxT)
             : QString();
}

void ScheduleTab::save() {
  const QString p = QFileDialog::getSaveFileName(this, tr("Save schedule"), "schedule.json", tr("JSON (*.json)"));
  if (p.isEmpty()) return;
  const QString error = saveFile(p);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Save schedule"), error);
}

void ScheduleTab::load() {
  const QString p = QFileDialog::getOpenFileName(this, tr("Load schedule"), QString(), tr("JSON (*.json);;All files (*)"));
  if (p.isEmpty()) return;
  const QString message = loadFile(p);
  if (!message.isEmpty()) QMessageBox::warning(this, tr("Load schedule"), message);
}

}  // namespace bcjr::studio
