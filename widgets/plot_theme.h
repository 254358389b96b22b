// Plots follow the application's palette (View > Dark): background, axes, ticks, labels, grids,
// legends, titles and colour scales take the palette's colours, and a line or marker that would
// vanish against the new background (too little contrast) is drawn in the text colour instead,
// then given back its own colour when the palette changes back. One event filter on the
// application does it for every QCustomPlot, those created later included.
#pragma once

#include <QColor>
#include <QObject>
#include <QPalette>

class QCustomPlot;

namespace bcjr::widgets {

struct PlotColors {
  QColor background, text, axis, grid, subgrid, legend_background, legend_border;
};
PlotColors plot_colors_for(const QPalette& palette);
// True when the palette's window is darker than its text (a dark theme).
bool is_dark(const QPalette& palette);

// Restyles one plot from `palette` and queues a replot.
void apply_plot_theme(QCustomPlot* plot, const QPalette& palette);

// Installs (once) the application-wide filter that themes each QCustomPlot when it is first
// polished and whenever the palette changes.
void install_plot_theming();

}  // namespace bcjr::widgets
