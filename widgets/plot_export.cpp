#include "widgets/plot_export.h"

#include <qcustomplot.h>

#include <QFileInfo>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextStream>

namespace bcjr::widgets {
namespace {

QSize export_size(QCustomPlot* plot) {
  // A plot in a tab never shown has not been laid out: give it a readable size.
  if (plot->width() < 200 || plot->height() < 150) return QSize(900, 600);
  return plot->size();
}

QString quoted(const QString& s) { return '"' + QString(s).replace('"', "\"\"") + '"'; }

QString series_name(const QCPAbstractPlottable* p, int index) {
  return p->name().isEmpty() ? QStringLiteral("plottable %1").arg(index) : p->name();
}

bool save_svg(QCustomPlot* plot, const QString& path, QString* error) {
  const QSize size = export_size(plot);
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(size);
  svg.setViewBox(QRect(QPoint(0, 0), size));
  svg.setTitle(plot_title(plot));
  svg.setDescription(QStringLiteral("BCJR Studio plot"));
  QCPPainter painter;
  if (!painter.begin(&svg)) {
    if (error) *error = QStringLiteral("cannot open %1 for writing").arg(path);
    return false;
  }
  painter.setMode(QCPPainter::pmVectorized);
  painter.setMode(QCPPainter::pmNoCaching);
  plot->toPainter(&painter, size.width(), size.height());
  painter.end();
  if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0) {
    if (error) *error = QStringLiteral("could not write %1").arg(path);
    return false;
  }
  return true;
}

}  // namespace

PlotFormat plot_format_for(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "svg") return PlotFormat::Svg;
  if (suffix == "pdf") return PlotFormat::Pdf;
  if (suffix == "csv") return PlotFormat::Csv;
  return PlotFormat::Png;
}

QString plot_file_filter() {
  return QStringLiteral("PNG image, 2x (*.png);;SVG (*.svg);;PDF (*.pdf);;CSV data (*.csv)");
}

QString plot_filter_suffix(const QString& selected_filter) {
  for (const char* s : {"svg", "pdf", "csv"})
    if (selected_filter.contains(QStringLiteral("*.") + s)) return QStringLiteral(".") + s;
  return QStringLiteral(".png");
}

bool save_plot(QCustomPlot* plot, const QString& path, double png_scale, QString* error) {
  const QSize size = export_size(plot);
  bool ok = false;
  switch (plot_format_for(path)) {
    case PlotFormat::Csv: return save_plot_csv(plot, path, error);
    case PlotFormat::Svg: return save_svg(plot, path, error);
    case PlotFormat::Pdf: ok = plot->savePdf(path, size.width(), size.height()); break;
    case PlotFormat::Png: ok = plot->savePng(path, size.width(), size.height(), png_scale); break;
  }
  if (!ok && error) *error = QStringLiteral("could not write %1").arg(path);
  return ok;
}

bool save_plot_csv(QCustomPlot* plot, const QString& path, QString* error) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
    if (error) *error = QStringLiteral("cannot open %1 for writing: %2").arg(path, f.errorString());
    return false;
  }
  bool maps = false;
  for (int i = 0; i < plot->plottableCount(); ++i) maps |= qobject_cast<QCPColorMap*>(plot->plottable(i)) != nullptr;
  QTextStream out(&f);
  out << (maps ? "series,x,y,z\n" : "series,x,y\n");
  const auto num = [](double v) { return QString::number(v, 'g', 17); };
  for (int i = 0; i < plot->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot->plottable(i);
    const QString name = quoted(series_name(p, i));
    if (auto* map = qobject_cast<QCPColorMap*>(p)) {
      QCPColorMapData* d = map->data();
      for (int k = 0; k < d->keySize(); ++k)
        for (int v = 0; v < d->valueSize(); ++v) {
          double x = 0, y = 0;
          d->cellToCoord(k, v, &x, &y);
          out << name << ',' << num(x) << ',' << num(y) << ',' << num(d->cell(k, v)) << '\n';
        }
    } else if (QCPPlottableInterface1D* d = p->interface1D()) {
      for (int k = 0; k < d->dataCount(); ++k)
        out << name << ',' << num(d->dataMainKey(k)) << ',' << num(d->dataMainValue(k)) << (maps ? ",\n" : "\n");
    }
  }
  out.flush();
  if (!f.commit()) {
    if (error) *error = QStringLiteral("could not write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

QString plot_title(QCustomPlot* plot) {
  for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
    if (auto* t = qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(i)))
      if (!t->text().isEmpty()) return t->text();
  return plot->objectName();
}

QList<QCustomPlot*> plots_in(QWidget* root) {
  QList<QCustomPlot*> out;
  if (auto* self = qobject_cast<QCustomPlot*>(root)) out << self;
  out += root->findChildren<QCustomPlot*>();
  return out;
}

}  // namespace bcjr::widgets
