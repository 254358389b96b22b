// A line plot of named series over a shared x axis (steps, temperatures, ...), with export of
// the picture (PNG at a chosen scale, PDF) and of the data behind it (CSV).
#pragma once

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;

namespace bcjr::widgets {

class CurvePlot : public QWidget {
  Q_OBJECT
 public:
  explicit CurvePlot(QWidget* parent = nullptr);

  void setLabels(const QString& title, const QString& x_label, const QString& y_label);
  void setLogY(bool log_y);
  // Replaces (or creates) a series; x and y must have the same length.
  void setSeries(const QString& name, const QVector<double>& x, const QVector<double>& y);
  void appendPoint(const QString& name, double x, double y);
  // Colour and dash of a series (created if missing); without a call it takes the next palette colour.
  void setSeriesPen(const QString& name, const QColor& color, Qt::PenStyle style = Qt::SolidLine);
  void clear();
  QStringList seriesNames() const;
  QVector<double> seriesX(const QString& name) const;
  QVector<double> seriesY(const QString& name) const;

  // Redraw is queued (coalesced); call this after a batch of updates.
  void refresh();
  bool savePng(const QString& path, double scale = 2.0) const;
  bool savePdf(const QString& path) const;
  // One row per x value of each series: series,x,y.
  bool saveCsv(const QString& path) const;
  QCustomPlot* plot() const { return plot_; }

 private:
  int indexOf(const QString& name) const;
  int ensureSeries(const QString& name);
  QCustomPlot* plot_;
  QStringList names_;
};

}  // namespace bcjr::widgets
