#include "app/studio/run_overlay.h"

#include <QFileInfo>
#include <climits>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include "app/studio/run_traces.h"

namespace bcjr::studio {
namespace {

struct Loaded {
  widgets::RunTrace trace;
  QString error;
};

Loaded read_trace(const QString& dir) {
  Loaded out;
  try {
    out.trace = load_run_trace(dir);
  } catch (const std::exception& e) {
    out.error = QString::fromStdString(e.what());
  }
  return out;
}

QString absolute(const QString& dir) { return QFileInfo(dir).absoluteFilePath(); }

// Runs `work` on the thread pool and hands its result to `done` on `context`'s thread.
template <typename T, typename Work, typename Done>
void run_then(QObject* context, Work work, Done done) {
  auto* watcher = new QFutureWatcher<T>(context);
  QObject::connect(watcher, &QFutureWatcher<T>::finished, context, [watcher, done] {
    done(watcher->result());
    watcher->deleteLater();
  });
  watcher->setFuture(QtConcurrent::run(work));
}

}  // namespace

RunOverlay::RunOverlay(QObject* parent) : QObject(parent) {}

QColor RunOverlay::colourFor(const QString& id) {
  auto it = colours_.find(id);
  if (it != colours_.end()) return *it;
  const QList<QColor> used = colours_.values();
  int i = 0;
  while (used.contains(run_colour(i)) && i < 10) ++i;
  return colours_[id] = run_colour(i);
}

void RunOverlay::setRuns(const QStringList& dirs) {
  QStringList abs;
  for (const QString& d : dirs)
    if (!abs.contains(absolute(d))) abs << absolute(d);
  dirs_ = abs;
  for (const QString& id : loaded_.keys())
    if (!dirs_.contains(id)) loaded_.remove(id);
  for (const QString& id : colours_.keys())
    if (!dirs_.contains(id) && id != live_.id) colours_.remove(id);
  for (const QString& d : dirs_) colourFor(d);
  QStringList to_load;
  for (const QString& d : dirs_)
    if (!loaded_.contains(d)) to_load << d;
  load(to_load);
  relabel();
  Q_EMIT tracesChanged();
}

void RunOverlay::reload(const QString& dir) {
  if (dirs_.contains(absolute(dir))) load({absolute(dir)});
}

void RunOverlay::load(const QStringList& dirs) {
  for (const QString& dir : dirs) {
    ++pending_;
    run_then<Loaded>(this, [dir] { return read_trace(dir); }, [this, dir](const Loaded& r) {
      --pending_;
      if (!r.error.isEmpty()) {
        Q_EMIT loadFailed(dir, r.error);
      } else if (dirs_.contains(dir)) {
        loaded_[dir] = r.trace;
      }
      Q_EMIT tracesChanged();
    });
  }
}

void RunOverlay::relabel() {
  QVector<widgets::RunTrace> ids;
  if (has_live_) ids.append(live_);
  for (const QString& d : dirs_)
    if (d != live_.id || !has_live_) {
      widgets::RunTrace t;
      t.id = d;
      ids.append(t);
    }
  for (auto& t : ids) t.steps.clear();  // only the ids travel
  const int generation = ++generation_;
  ++pending_;
  run_then<QHash<QString, QString>>(
      this,
      [ids] {
        QVector<widgets::RunTrace> named = ids;
        label_traces(named);
        QHash<QString, QString> labels;
        for (const auto& t : named) labels[t.id] = t.label;
        return labels;
      },
      [this, generation](const QHash<QString, QString>& labels) {
        --pending_;
        if (generation != generation_) return;
        labels_ = labels;
        Q_EMIT tracesChanged();
      });
}

void RunOverlay::startLive(const QString& dir) {
  const QString id = absolute(dir);
  live_ = widgets::RunTrace();
  live_.id = id;
  live_.live = true;
  live_.label = QFileInfo(id).fileName();
  has_live_ = true;
  colours_.remove(id);
  colourFor(id);
  ++pending_;
  // A resumed run has steps on disk already: they come first, then what it reports.
  run_then<Loaded>(this, [id] { return read_trace(id); }, [this, id](const Loaded& r) {
    --pending_;
    if (live_.id != id || !r.error.isEmpty()) return;
    const int first_new = live_.steps.isEmpty() ? INT_MAX : live_.steps.first().step;
    QVector<widgets::StepSnapshot> steps;
    for (const auto& s : r.trace.steps)
      if (s.step < first_new) steps.append(s);
    steps += live_.steps;
    live_.steps = steps;
    Q_EMIT tracesChanged();
  });
  relabel();
  Q_EMIT tracesChanged();
}

void RunOverlay::appendLive(const widgets::StepSnapshot& s) {
  if (!has_live_) return;
  // A resumed run redoes the steps after its checkpoint: the redone step replaces the old one.
  while (!live_.steps.isEmpty() && live_.steps.last().step >= s.step) live_.steps.removeLast();
  live_.steps.append(s);
  Q_EMIT tracesChanged();
}

void RunOverlay::setLivePerplexity(const QString& label, double ppl, const QString& protocol) {
  if (!has_live_) return;
  if (label == "FP") live_.ppl_fp = ppl;
  else if (label == "PTQ") live_.ppl_ptq = ppl;
  else if (label == "QAT") live_.ppl_qat = ppl;
  else return;
  if (!protocol.isEmpty()) live_.ppl_protocol = protocol;
  Q_EMIT tracesChanged();
}

void RunOverlay::finishLive() {
  if (!has_live_) return;
  live_.live = false;
  const QString id = live_.id;
  ++pending_;
  run_then<Loaded>(this, [id] { return read_trace(id); }, [this, id](const Loaded& r) {
    --pending_;
    if (live_.id != id || !r.error.isEmpty()) return;
    live_ = r.trace;  // the folder as the run left it: every step and the perplexities
    Q_EMIT tracesChanged();
  });
  relabel();
}

QVector<widgets::RunTrace> RunOverlay::traces() const {
  QVector<widgets::RunTrace> out;
  auto styled = [this](widgets::RunTrace t) {
    t.color = colours_.value(t.id, run_colour(0));
    t.label = labels_.value(t.id, t.label);
    return t;
  };
  if (has_live_) out.append(styled(live_));
  for (const QString& d : dirs_)
    if ((!has_live_ || d != live_.id) && loaded_.contains(d)) out.append(styled(loaded_.value(d)));
  return out;
}

}  // namespace bcjr::studio
