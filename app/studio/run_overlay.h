// The runs the curve views (PerplexityView, DriftBudgetView) show together: the live run of this window (if any) and the run
// folders ticked in the Runs panel, each a RunTrace with its own colour (kept while it is shown)
// and a legend label naming what differs between the runs shown. Folders are read off the GUI
// thread; tracesChanged() fires when the set or a trace changes (the window redraws on its timer).
#pragma once

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QVector>

#include "widgets/run_trace.h"

namespace bcjr::studio {

class RunOverlay : public QObject {
  Q_OBJECT
 public:
  explicit RunOverlay(QObject* parent = nullptr);

  // The folders to show besides the live run, in order; folders not yet read are read now.
  void setRuns(const QStringList& dirs);
  QStringList runs() const { return dirs_; }
  // Reads a shown folder again (a run that went on elsewhere, or finished).
  void reload(const QString& dir);

  // A run starts in this window: its folder's steps so far (a resumed run has some) are read,
  // then the steps it reports are added.
  void startLive(const QString& dir);
  void appendLive(const widgets::StepSnapshot& s);
  // A run-level perplexity of the live run as it is measured: "FP", "PTQ" or "QAT", with its protocol.
  void setLivePerplexity(const QString& label, double ppl, const QString& protocol);
  // The live run ended: its trace is read back from its folder (perplexities included).
  void finishLive();
  QString liveRun() const { return live_.id; }

  // Live first, then the shown folders in order; each with colour and label set.
  QVector<widgets::RunTrace> traces() const;
  // True until every requested folder has been read (tests wait on it).
  bool loading() const { return pending_ > 0; }

 Q_SIGNALS:
  void tracesChanged();
  void loadFailed(const QString& dir, const QString& message);

 private:
  void load(const QStringList& dirs);
  void relabel();
  QColor colourFor(const QString& id);

  QStringList dirs_;
  QHash<QString, widgets::RunTrace> loaded_;
  QHash<QString, QColor> colours_;
  QHash<QString, QString> labels_;
  widgets::RunTrace live_;
  bool has_live_ = false;
  int pending_ = 0;
  int generation_ = 0;  // labels computed for an older set of runs are dropped
};

}  // namespace bcjr::studio
