// The curve views that overlay runs (perplexity and loss; flips against the basin radius) and the
// traces they draw: the run going on in this window, built step by step, and whatever other runs
// the Runs panel gives. The window's redraw timer calls refresh(), so views redraw at most 25
// times a second however fast steps arrive.
#pragma once

#include <QObject>
#include <QVector>

#include "widgets/run_trace.h"

namespace bcjr::widgets {
class DriftBudgetView;
class PerplexityView;
}

namespace bcjr::studio {

class RunViews : public QObject {
  Q_OBJECT
 public:
  explicit RunViews(QObject* parent = nullptr);
  widgets::PerplexityView* perplexity() const { return perplexity_; }
  widgets::DriftBudgetView* drift() const { return drift_; }

  // The live run: a new trace for run_dir (its label and colour until the Runs panel names it).
  void startLive(const QString& run_dir);
  void addLiveStep(const widgets::StepSnapshot& s);
  // "FP", "PTQ" or "QAT" with the protocol it was measured under.
  void setLivePerplexity(const QString& label, double ppl, const QString& protocol);
  const widgets::RunTrace& live() const { return live_; }
  bool hasLive() const { return !live_.id.isEmpty(); }

  // Other runs to draw with the live one (the Runs panel's ticked runs).
  void setOtherTraces(const QVector<widgets::RunTrace>& traces);
  // Every trace the views draw: the others, and the live run unless it is among them.
  QVector<widgets::RunTrace> traces() const;

  // Pushes the traces to the views if anything changed since the last call.
  void refresh();

 private:
  widgets::PerplexityView* perplexity_;
  widgets::DriftBudgetView* drift_;
  widgets::RunTrace live_;
  QVector<widgets::RunTrace> others_;
  bool dirty_ = true;
};

}  // namespace bcjr::studio
