// A slider over a positive quantity on a log scale (the posterior's temperature), with labelled
// ticks at 1, 3, 10, 30, ... times the decades in its range, drawn under the groove where the
// handle would stand for that value.
#pragma once

#include <QVector>
#include <QWidget>

class QSlider;

namespace bcjr::widgets {

class LogSlider : public QWidget {
  Q_OBJECT
 public:
  // Values in [min, max], both > 0; `resolution` slider positions per decade.
  LogSlider(double min, double max, int resolution = 100, QWidget* parent = nullptr);
  double value() const;
  void setValue(double v);  // clamped into [min, max]; emits valueChanged if the position moves
  QVector<double> ticks() const { return ticks_; }
  QSlider* slider() const { return slider_; }
  // The x pixel (in this widget) of the handle's centre for value v.
  int pixelOf(double v) const;

 Q_SIGNALS:
  void valueChanged(double v);

 protected:
  void paintEvent(QPaintEvent* e) override;

 private:
  QSlider* slider_;
  int resolution_;
  QVector<double> ticks_;
};

}  // namespace bcjr::widgets
