// What the curve views that overlay runs (RunTrace) share: a QCustomPlot laid out as a title, a
// body of axis rects, and a legend in a row of its own below them (so it never covers data), with
// one entry per run in the run's colour and a key for the line styles that tell quantities apart.
#pragma once

#include <QColor>
#include <QPen>
#include <QString>
#include <QVector>

#include "widgets/run_trace.h"

class QCustomPlot;
class QCPAxisRect;
class QCPGraph;
class QCPLayoutGrid;
class QCPLegend;
class QCPTextElement;

namespace bcjr::widgets {

struct TracePlotLayout {
  QCPTextElement* title = nullptr;
  QCPLayoutGrid* body = nullptr;  // place the axis rects here
  QCPLegend* legend = nullptr;    // below the body, filled row by row
};

// Clears the plot's layout and builds title / body / legend.
TracePlotLayout make_trace_plot_layout(QCustomPlot* plot, const QString& title);
// An axis rect with its own axes (labels given), no legend of its own.
QCPAxisRect* make_axis_rect(QCustomPlot* plot, const QString& x_label, const QString& y_label, bool log_y);
// A pen in a run's colour for one quantity (solid, dashed, dotted, ...).
QPen trace_pen(const QColor& color, Qt::PenStyle style = Qt::SolidLine, double width = 1.8);
// A legend entry that explains a line style (a grey line with no data).
void add_style_key(QCustomPlot* plot, QCPLegend* legend, QCPAxisRect* rect, const QString& name, Qt::PenStyle style);
// Rescales an axis to its plottables' data, padded; `include_zero` keeps 0 in view.
void rescale_value_axis(QCPAxisRect* rect, bool include_zero);
// Sets the legend's number of columns so that it fits the plot's width (a legend wider than the
// plot would push the axis rects out of the widget). `width`: the plot's; call after filling it and on resize.
void fit_legend(QCustomPlot* plot, int width);
// A legend's text for a run; the id (folder) when it has no label.
QString trace_name(const RunTrace& t);

}  // namespace bcjr::widgets
