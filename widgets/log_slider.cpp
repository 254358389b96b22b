#include "widgets/log_slider.h"

#include <QPainter>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace bcjr::widgets {

LogSlider::LogSlider(double min, double max, int resolution, QWidget* parent)
    : QWidget(parent), slider_(new QSlider(Qt::Horizontal)), resolution_(resolution) {
  slider_->setRange(int(std::lround(std::log10(min) * resolution)), int(std::lround(std::log10(max) * resolution)));
  for (int decade = int(std::floor(std::log10(min))); decade <= int(std::ceil(std::log10(max))); ++decade)
    for (double m : {1.0, 3.0}) {
      const double v = std::stod(QString::number(m * std::pow(10.0, decade), 'g', 6).toStdString());
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks_.append(v);
    }
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, fontMetrics().height() + 6);
  layout->addWidget(slider_);
  connect(slider_, &QSlider::valueChanged, this, [this] { Q_EMIT valueChanged(value()); });
}

double LogSlider::value() const { return std::pow(10.0, double(slider_->value()) / resolution_); }

void LogSlider::setValue(double v) {
  if (!(v > 0)) return;
  slider_->setValue(int(std::lround(std::log10(v) * resolution_)));
}

int LogSlider::pixelOf(double v) const {
  QStyleOptionSlider opt;
  opt.initFrom(slider_);
  opt.orientation = Qt::Horizontal;
  opt.minimum = slider_->minimum();
  opt.maximum = slider_->maximum();
  const QRect groove = slider_->style()->subControlRect(QStyle::CC_Slider, &opt, QStyle::SC_SliderGroove, slider_);
  const int handle = slider_->style()->pixelMetric(QStyle::PM_SliderLength, &opt, slider_);
  const int span = groove.width() - handle;
  const int pos = QStyle::sliderPositionFromValue(slider_->minimum(), slider_->maximum(),
                                                  int(std::lround(std::log10(v) * resolution_)), span);
  return slider_->x() + groove.x() + pos + handle / 2;
}

void LogSlider::paintEvent(QPaintEvent* e) {
  QWidget::paintEvent(e);
  QPainter p(this);
  p.setPen(palette().color(QPalette::WindowText));
  const int top = slider_->geometry().bottom() + 1;
  const QFontMetrics fm = fontMetrics();
  for (double v : ticks_) {
    const int x = pixelOf(v);
    p.drawLine(x, top, x, top + 4);
    const QString text = QString::number(v, 'g', 3);
    const int w = fm.horizontalAdvance(text);
    p.drawText(std::clamp(x - w / 2, 0, width() - w), top + 5 + fm.ascent(), text);
  }
}

}  // namespace bcjr::widgets
