// Export of any QCustomPlot of the studio, heat maps included, from one place: PNG at a scale
// (2x by default, sharp on HiDPI screens and in print), SVG and PDF (vector), and the CSV of the
// data behind every plottable (graphs, curves, bars: series,x,y; colour maps: series,x,y,z per
// cell). The format follows the file's extension.
#pragma once

#include <QString>
#include <QStringList>

class QCustomPlot;
class QWidget;

namespace bcjr::widgets {

enum class PlotFormat { Png, Svg, Pdf, Csv };

// .png, .svg, .pdf, .csv (case-insensitive); anything else is PNG.
PlotFormat plot_format_for(const QString& path);
// "PNG image, 2x (*.png);;SVG (*.svg);;PDF (*.pdf);;CSV data (*.csv)" for file dialogs.
QString plot_file_filter();
// The extension that a dialog's selected filter stands for, e.g. ".svg".
QString plot_filter_suffix(const QString& selected_filter);

// Writes `plot` in the format of `path`'s extension. The picture has the plot's on-screen size
// (900 x 600 if it was never laid out). False, with the reason in *error, if it cannot be written.
bool save_plot(QCustomPlot* plot, const QString& path, double png_scale = 2.0, QString* error = nullptr);
bool save_plot_csv(QCustomPlot* plot, const QString& path, QString* error = nullptr);

// The plot's title (its first text element) or, without one, its objectName.
QString plot_title(QCustomPlot* plot);
// Every QCustomPlot inside `root` (itself included), in creation order.
QList<QCustomPlot*> plots_in(QWidget* root);

}  // namespace bcjr::widgets
