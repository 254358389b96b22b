#include "widgets/slope_histogram.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace bcjr::widgets {

SlopeHistogram::SlopeHistogram(QWidget* parent)
    : QWidget(parent), linear_(new QComboBox), empty_(new QLabel), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  linear_->setObjectName("slopeLinear");
  linear_->setToolTip(tr("Linear whose slopes are shown"));
  layout->addWidget(linear_);
  empty_->setWordWrap(true);
  empty_->setAlignment(Qt::AlignCenter);
  empty_->setText(tr("No learned slopes: only JacQuant runs (--method jacquant) learn a slope b_g per 256-weight "
                     "tile. They appear here after the run's first step."));
  layout->addWidget(empty_);
  layout->addWidget(plot_, 1);
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, QString(), QFont("sans", 10, QFont::Bold)));
  plot_->xAxis->setLabel(tr("slope b_g (1 = straight-through estimator)"));
  plot_->yAxis->setLabel(tr("tiles"));
  bars_ = new QCPBars(plot_->xAxis, plot_->yAxis);
  bars_->setPen(QPen(QColor(31, 119, 180)));
  bars_->setBrush(QColor(31, 119, 180, 150));
  ste_ = new QCPItemStraightLine(plot_);
  ste_->setPen(QPen(QColor(214, 39, 40), 1.5, Qt::DashLine));
  ste_->point1->setCoords(1, 0);
  ste_->point2->setCoords(1, 1);
  connect(linear_, &QComboBox::currentIndexChanged, this, [this] {
    dirty_ = true;
    refresh();
  });
  clear();
}

void SlopeHistogram::clear() {
  slopes_.clear();
  step_ = -1;
  linear_->blockSignals(true);
  linear_->clear();
  linear_->blockSignals(false);
  dirty_ = true;
  refresh();
}

void SlopeHistogram::setSlopes(const QVector<SlopeSnapshot>& slopes, int step) {
  slopes_ = slopes;
  step_ = step;
  QStringList names{tr("all linears")};
  for (const auto& s : slopes_) names << s.linear;
  QStringList current;
  for (int i = 0; i < linear_->count(); ++i) current << linear_->itemText(i);
  if (current != names) {
    const QString keep = linear_->currentText();
    linear_->blockSignals(true);
    linear_->clear();
    linear_->addItems(names);
    linear_->setCurrentIndex(std::max(0, int(names.indexOf(keep))));
    linear_->blockSignals(false);
  }
  dirty_ = true;
}

void SlopeHistogram::selectLinear(const QString& linear) {
  const int i = linear.isEmpty() ? 0 : linear_->findText(linear);
  if (i >= 0) linear_->setCurrentIndex(i);
  dirty_ = true;
  refresh();
}

QString SlopeHistogram::selectedLinear() const { return linear_->currentIndex() > 0 ? linear_->currentText() : ""; }

QString SlopeHistogram::title() const {
  if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) return t->text();
  return QString();
}

void SlopeHistogram::rebuild() {
  centres_.clear();
  counts_.clear();
  const QString want = selectedLinear();
  double lo = 0, hi = 0, tiles = 0, mean = 0, m2 = 0, probe = 0, dither = 0, vmin = 1e300, vmax = -1e300;
  int used = 0;
  for (const auto& s : slopes_) {
    if (!want.isEmpty() && s.linear != want) continue;
    if (counts_.isEmpty()) {
      counts_ = QVector<double>(s.counts.size(), 0.0);
      lo = s.lo;
      hi = s.hi;
    }
    if (s.counts.size() != counts_.size() || s.lo != lo || s.hi != hi) continue;  // other bins: not mixed
    double n = 0;
    for (int i = 0; i < s.counts.size(); ++i) {
      counts_[i] += s.counts[i];
      n += s.counts[i];
    }
    // Pooled mean and variance over the tiles of the linears shown.
    mean += n * s.mean;
    m2 += n * (s.sd * s.sd + s.mean * s.mean);
    tiles += n;
    probe += s.probe;
    dither += s.dither;
    vmin = std::min(vmin, s.min);
    vmax = std::max(vmax, s.max);
    ++used;
  }
  const int bins = int(counts_.size());
  for (int i = 0; i < bins; ++i) centres_.append(lo + (hi - lo) * (i + 0.5) / bins);
  QString title;
  if (used > 0 && tiles > 0) {
    mean /= tiles;
    const double sd = std::sqrt(std::max(0.0, m2 / tiles - mean * mean));
    title = tr("Slopes b_g after step %1 (%2, %3 tiles): mean %4, sd %5, range %6 .. %7")
                .arg(step_ + 1)
                .arg(want.isEmpty() ? tr("%1 linears").arg(used) : want)
                .arg(tiles, 0, 'f', 0)
                .arg(mean, 0, 'f', 3)
                .arg(sd, 0, 'f', 3)
                .arg(vmin, 0, 'f', 3)
                .arg(vmax, 0, 'f', 3);
    if (probe / used >= 0 && dither / used >= 0)
      title += tr("\nlast refresh, raw means: Probe %1, Dither %2").arg(probe / used, 0, 'f', 3).arg(dither / used, 0, 'f', 3);
  }
  if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) t->setText(title);
  bars_->setWidth(bins > 0 ? (hi - lo) / bins : 0.1);
  bars_->setData(centres_, counts_, true);
  const bool have = !centres_.isEmpty();
  empty_->setVisible(!have);
  plot_->setVisible(have);
  linear_->setVisible(have);
  if (have) {
    plot_->xAxis->setRange(lo, hi);
    const double top = *std::max_element(counts_.begin(), counts_.end());
    plot_->yAxis->setRange(0, std::max(1.0, top * 1.1));
  }
}

void SlopeHistogram::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  rebuild();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool SlopeHistogram::savePng(const QString& path, double scale) const {
  return plot_->savePng(path, 0, 0, scale);
}

}  // namespace bcjr::widgets
