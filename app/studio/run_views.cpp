#include "app/studio/run_views.h"

#include <cmath>

#include "widgets/drift_budget_view.h"
#include "widgets/perplexity_view.h"

namespace bcjr::studio {

RunViews::RunViews(QObject* parent)
    : QObject(parent), perplexity_(new widgets::PerplexityView), drift_(new widgets::DriftBudgetView) {
  perplexity_->setObjectName("perplexityView");
  drift_->setObjectName("driftBudgetView");
  qRegisterMetaType<widgets::RunTrace>();
}

void RunViews::startLive(const QString& run_dir) {
  live_ = widgets::RunTrace();
  live_.id = run_dir;
  live_.label = tr("this run (%1)").arg(run_dir.section('/', -1));
  live_.color = QColor(31, 119, 180);
  live_.live = true;
  dirty_ = true;
}

void RunViews::addLiveStep(const widgets::StepSnapshot& s) {
  live_.steps.append(s);
  dirty_ = true;
}

void RunViews::setLivePerplexity(const QString& label, double ppl, const QString& protocol) {
  if (label == "FP") live_.ppl_fp = ppl;
  else if (label == "PTQ") live_.ppl_ptq = ppl;
  else if (label == "QAT") live_.ppl_qat = ppl;
  if (!protocol.isEmpty()) live_.ppl_protocol = protocol;
  dirty_ = true;
}

void RunViews::setOtherTraces(const QVector<widgets::RunTrace>& traces) {
  others_ = traces;
  dirty_ = true;
}

QVector<widgets::RunTrace> RunViews::traces() const {
  QVector<widgets::RunTrace> all = others_;
  if (!hasLive()) return all;
  for (widgets::RunTrace& t : all)
    if (t.id == live_.id) {  // the panel lists the live run too: its steps are the ones seen here
      t.steps = live_.steps;
      t.live = true;
      if (std::isnan(t.ppl_fp)) t.ppl_fp = live_.ppl_fp;
      if (std::isnan(t.ppl_ptq)) t.ppl_ptq = live_.ppl_ptq;
      if (std::isnan(t.ppl_qat)) t.ppl_qat = live_.ppl_qat;
      if (t.ppl_protocol.isEmpty()) t.ppl_protocol = live_.ppl_protocol;
      return all;
    }
  all.prepend(live_);
  return all;
}

void RunViews::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  const auto all = traces();
  perplexity_->setTraces(all);
  drift_->setTraces(all);
}

}  // namespace bcjr::studio
