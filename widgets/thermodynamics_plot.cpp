#include "widgets/thermodynamics_plot.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <cmath>

#include "widgets/curve_plot.h"

namespace bcjr::widgets {

namespace {
// A log T axis and no title row (the legend names the curves): the two plots share little height.
void prepare(CurvePlot* c) {
  QCustomPlot* p = c->plot();
  p->xAxis->setScaleType(QCPAxis::stLogarithmic);
  p->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  p->xAxis->setNumberFormat("eb");
  p->xAxis->setNumberPrecision(0);
  if (auto* title = qobject_cast<QCPTextElement*>(p->plotLayout()->element(0, 0))) {
    p->plotLayout()->remove(title);
    p->plotLayout()->simplify();
  }
  QFont f = p->legend->font();
  f.setPointSizeF(std::max(7.0, f.pointSizeF() - 1));
  p->legend->setFont(f);
  p->legend->setRowSpacing(0);
  p->legend->setBrush(QColor(255, 255, 255, 220));
  p->setInteractions({});
}

// Puts the legend in the corner of the plot that holds the fewest data points, so that it hides
// as little as possible (none, when some corner is empty).
void place_legend(QCustomPlot* p) {
  const QCPRange x = p->xAxis->range(), y = p->yAxis->range();
  int count[4] = {0, 0, 0, 0};  // top-left, top-right, bottom-left, bottom-right
  for (int g = 0; g < p->graphCount(); ++g)
    for (auto it = p->graph(g)->data()->constBegin(); it != p->graph(g)->data()->constEnd(); ++it) {
      const double fx = (std::log(it->key) - std::log(x.lower)) / (std::log(x.upper) - std::log(x.lower));
      const double fy = (it->value - y.lower) / std::max(1e-300, y.upper - y.lower);
      const bool left = fx < 0.45, right = fx > 0.55, top = fy > 0.55, bottom = fy < 0.45;
      count[0] += left && top;
      count[1] += right && top;
      count[2] += left && bottom;
      count[3] += right && bottom;
    }
  const Qt::Alignment corners[4] = {Qt::AlignTop | Qt::AlignLeft, Qt::AlignTop | Qt::AlignRight,
                                    Qt::AlignBottom | Qt::AlignLeft, Qt::AlignBottom | Qt::AlignRight};
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (count[i] < count[best]) best = i;
  p->axisRect()->insetLayout()->setInsetAlignment(0, corners[best]);
}

QCPItemStraightLine* vertical_line(QCustomPlot* p, const QPen& pen) {
  auto* l = new QCPItemStraightLine(p);
  l->setPen(pen);
  for (auto* pos : {l->point1, l->point2}) {
    pos->setTypeX(QCPItemPosition::ptPlotCoords);
    pos->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  l->point1->setCoords(1, 0);
  l->point2->setCoords(1, 1);
  l->setVisible(false);
  return l;
}
}  // namespace

ThermodynamicsPlot::ThermodynamicsPlot(QWidget* parent) : QWidget(parent), energy_(new CurvePlot), fluct_(new CurvePlot) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(energy_, 1);
  layout->addWidget(fluct_, 1);
  energy_->setObjectName("energyPlot");
  fluct_->setObjectName("fluctuationPlot");
  prepare(energy_);
  prepare(fluct_);
  energy_->setLabels(QString(), QString(), tr("energy"));
  fluct_->setLabels(QString(), tr("temperature T"), tr("S, C"));
  const QPen now(QColor(200, 0, 0), 1.4);
  marker_[0] = vertical_line(energy_->plot(), now);
  marker_[1] = vertical_line(fluct_->plot(), now);
  peak_line_ = vertical_line(fluct_->plot(), QPen(QColor(90, 90, 90), 1, Qt::DashLine));
  pending_ = new QCPItemText(energy_->plot());
  pending_->position->setType(QCPItemPosition::ptAxisRectRatio);
  pending_->position->setCoords(0.5, 0.5);
  pending_->setText(tr("computing the curves over T…"));
  pending_->setColor(Qt::darkGray);
}

void ThermodynamicsPlot::setCurves(const ThermoCurves& c) {
  energy_->clear();
  fluct_->clear();
  peak_T_ = 0;
  if (c.valid()) {
    energy_->setSeries(tr("F = −T log Z"), c.T, c.free_energy);
    energy_->setSeries(tr("<E>"), c.T, c.energy);
    fluct_->setSeries(tr("S = (<E> − F)/T"), c.T, c.entropy);
    int best = 0;
    for (int i = 1; i < c.T.size(); ++i)
      if (c.heat_capacity[i] > c.heat_capacity[best]) best = i;
    // The peak (dashed line) is the crossover from the frozen ground state to disorder. A chain
    // whose paths all have one energy (a degenerate code) has C = 0 and no crossover.
    const bool peak = c.heat_capacity[best] > 1e-9 && best > 0 && best + 1 < c.T.size();
    peak_T_ = peak ? c.T[best] : 0;
    fluct_->setSeries(tr("C = Var(E)/T²"), c.T, c.heat_capacity);
    fluct_->plot()->xAxis->setLabel(peak ? tr("temperature T (dashed: C peaks, T ≈ %1)").arg(peak_T_, 0, 'g', 2)
                                         : tr("temperature T"));
    peak_line_->point1->setCoords(peak_T_, 0);
    peak_line_->point2->setCoords(peak_T_, 1);
  }
  peak_line_->setVisible(peak_T_ > 0);
  pending_->setVisible(!c.valid());
  energy_->refresh();
  fluct_->refresh();
  if (c.valid()) {
    place_legend(energy_->plot());
    place_legend(fluct_->plot());
  }
}

void ThermodynamicsPlot::setTemperature(double T) {
  marked_T_ = T;
  for (auto* m : marker_) {
    m->point1->setCoords(T, 0);
    m->point2->setCoords(T, 1);
    m->setVisible(true);
  }
  energy_->plot()->replot(QCustomPlot::rpQueuedReplot);
  fluct_->plot()->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace bcjr::widgets
