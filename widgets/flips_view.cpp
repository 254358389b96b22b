#include "widgets/flips_view.h"

#include <QVBoxLayout>

#include "widgets/curve_plot.h"

namespace bcjr::widgets {

FlipsView::FlipsView(QWidget* parent) : QWidget(parent), flips_(new CurvePlot), drift_(new CurvePlot) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(flips_);
  layout->addWidget(drift_);
  flips_->setLabels(tr("Codeword flips against the PTQ path (RHT domain)"), tr("training step"),
                    tr("trellis steps flipped"));
  drift_->setLabels(tr("Drift of W_latent against the Voronoi-basin radius"), tr("training step"),
                    tr("normalised units"));
}

void FlipsView::clear() {
  flips_->clear();
  drift_->clear();
}

void FlipsView::addSnapshot(const FlipSnapshot& s) {
  flips_->appendPoint(s.linear, s.step, s.flips);
  drift_->appendPoint(tr("%1 drift RMS").arg(s.linear), s.step, s.drift_rms);
  drift_->appendPoint(tr("%1 radius r").arg(s.linear), s.step, s.radius);
  drift_->appendPoint(tr("%1 predicted drift").arg(s.linear), s.step, s.predicted);
}

void FlipsView::refresh() {
  flips_->refresh();
  drift_->refresh();
}

}  // namespace bcjr::widgets
