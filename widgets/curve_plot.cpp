#include "widgets/curve_plot.h"

#include "widgets/plot_export.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace bcjr::widgets {

namespace {
const QColor kPalette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                           QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75)};
}

CurvePlot::CurvePlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->legend->setVisible(true);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, QString(), QFont("sans", 10, QFont::Bold)));
}

void CurvePlot::setLabels(const QString& title, const QString& x_label, const QString& y_label) {
  if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) t->setText(title);
  plot_->xAxis->setLabel(x_label);
  plot_->yAxis->setLabel(y_label);
}

void CurvePlot::setLogY(bool log_y) {
  plot_->yAxis->setScaleType(log_y ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (log_y) plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  else plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

int CurvePlot::indexOf(const QString& name) const { return names_.indexOf(name); }

int CurvePlot::ensureSeries(const QString& name) {
  int i = indexOf(name);
  if (i >= 0) return i;
  QCPGraph* g = plot_->addGraph();
  g->setName(name);
  QPen pen(kPalette[names_.size() % 6]);
  pen.setWidthF(1.6);
  g->setPen(pen);
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
  names_.append(name);
  return int(names_.size()) - 1;
}

void CurvePlot::setSeries(const QString& name, const QVector<double>& x, const QVector<double>& y) {
  Q_ASSERT(x.size() == y.size());
  plot_->graph(ensureSeries(name))->setData(x, y);
}

void CurvePlot::setSeriesPen(const QString& name, const QColor& color, Qt::PenStyle style) {
  QCPGraph* g = plot_->graph(ensureSeries(name));
  QPen pen(color, 1.6, style);
  g->setPen(pen);
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, 4));
}

void CurvePlot::appendPoint(const QString& name, double x, double y) {
  plot_->graph(ensureSeries(name))->addData(x, y);
}

void CurvePlot::clear() {
  plot_->clearGraphs();
  names_.clear();
}

QStringList CurvePlot::seriesNames() const { return names_; }

QVector<double> CurvePlot::seriesX(const QString& name) const {
  QVector<double> out;
  int i = indexOf(name);
  if (i < 0) return out;
  for (auto it = plot_->graph(i)->data()->constBegin(); it != plot_->graph(i)->data()->constEnd(); ++it)
    out.append(it->key);
  return out;
}

QVector<double> CurvePlot::seriesY(const QString& name) const {
  QVector<double> out;
  int i = indexOf(name);
  if (i < 0) return out;
  for (auto it = plot_->graph(i)->data()->constBegin(); it != plot_->graph(i)->data()->constEnd(); ++it)
    out.append(it->value);
  return out;
}

void CurvePlot::refresh() {
  plot_->rescaleAxes();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool CurvePlot::savePng(const QString& path, double scale) const {
  // This widget's size, not the inner plot's: that is only laid out once the widget is shown.
  return plot_->savePng(path, width(), height(), scale);
}

bool CurvePlot::savePdf(const QString& path) const { return plot_->savePdf(path); }

bool CurvePlot::saveCsv(const QString& path) const { return save_plot_csv(plot_, path); }

}  // namespace bcjr::widgets
