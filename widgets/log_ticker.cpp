#include "widgets/log_ticker.h"

#include <qcustomplot.h>

#include <cmath>

namespace bcjr::widgets {

namespace {

class DecadeTicker : public QCPAxisTickerLog {
 protected:
  QVector<double> ticks(const QCPRange& r, std::initializer_list<double> multiples) const {
    QVector<double> v;
    if (!(r.lower > 0) || !(r.upper > r.lower)) return v;
    for (int d = int(std::floor(std::log10(r.lower))); d <= int(std::ceil(std::log10(r.upper))); ++d)
      for (double m : multiples) {
        const double t = m * std::pow(10.0, d);
        if (t >= r.lower && t <= r.upper) v.append(t);
      }
    return v;
  }
  QVector<double> createTickVector(double, const QCPRange& r) override {
    QVector<double> v = ticks(r, {1, 2, 3, 5});
    if (v.size() > 9) v = ticks(r, {1, 3});
    if (v.size() > 9) v = ticks(r, {1});
    return v;
  }
  QVector<double> createSubTickVector(int, const QVector<double>&) override { return {}; }
};

}  // namespace

void set_log_ticks(QCPAxis* axis) {
  axis->setScaleType(QCPAxis::stLogarithmic);
  axis->setTicker(QSharedPointer<QCPAxisTicker>(new DecadeTicker));
  axis->setNumberFormat("g");
  axis->setNumberPrecision(3);
}

}  // namespace bcjr::widgets
