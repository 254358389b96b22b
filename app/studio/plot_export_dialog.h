// File > Export plot for whatever view is showing: every plot in it is offered (the Flips view
// has two, the Posterior view a heat map and a curve), in PNG 2x, SVG, PDF or CSV of its data
// (widgets/plot_export.h), into the folder last used for plots.
#pragma once

class QWidget;

namespace bcjr::studio {

void export_plots_interactively(QWidget* parent, QWidget* view);

}  // namespace bcjr::studio
