#include "widgets/ising_panel.h"

#include <qcustomplot.h>

#include <QFile>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "widgets/curve_plot.h"

namespace bcjr::widgets {

IsingPanel::IsingPanel(QWidget* parent) : QWidget(parent), text_(new QTextBrowser), plot_(new CurvePlot) {
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(text_);
  split->addWidget(plot_);
  split->setSizes({450, 550});
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);
  QFile f(":/teach/trellis-ising.html");
  if (f.open(QIODevice::ReadOnly)) text_->setHtml(QString::fromUtf8(f.readAll()));
  else text_->setPlainText(tr("The explanation is missing from this build's resources."));
  text_->setOpenExternalLinks(false);
  plot_->setLabels(tr("Thermodynamics of one tile"), tr("temperature T"), tr("normalised squared error"));
  plot_->plot()->xAxis->setScaleType(QCPAxis::stLogarithmic);
  plot_->plot()->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
}

void IsingPanel::setThermodynamics(const ThermoSnapshot& s) {
  plot_->clear();
  if (!s.valid()) {
    plot_->refresh();
    return;
  }
  QVector<double> ts(s.temperature.size());
  for (int i = 0; i < ts.size(); ++i) ts[i] = s.energy[i] - s.free_energy[i];
  plot_->setSeries(tr("free energy F = -T log Z"), s.temperature, s.free_energy);
  plot_->setSeries(tr("mean energy U = <E>"), s.temperature, s.energy);
  plot_->setSeries(tr("entropy term TS = U - F"), s.temperature, ts);
  if (!s.label.isEmpty())
    plot_->setLabels(tr("Thermodynamics of %1").arg(s.label), tr("temperature T"), tr("normalised squared error"));
  plot_->refresh();
}

}  // namespace bcjr::widgets
