// JacQuant's learned per-tile slopes b_g after the latest step: a histogram over the slopes' clip
// range, for all target linears together or one of them, with the STE's slope 1 marked and the
// mean, spread and last raw Probe and Dither estimates in the title. Runs of other methods have
// no slopes; the view then says so.
#pragma once

#include <QVector>
#include <QWidget>

#include "widgets/snapshots.h"

class QComboBox;
class QCustomPlot;
class QCPBars;
class QCPItemStraightLine;
class QLabel;

namespace bcjr::widgets {

class SlopeHistogram : public QWidget {
  Q_OBJECT
 public:
  explicit SlopeHistogram(QWidget* parent = nullptr);
  void clear();
  // The histogram shown now (bin centres, counts); empty when there are no slopes.
  QVector<double> binCentres() const { return centres_; }
  QVector<double> counts() const { return counts_; }
  QString title() const;
  QString selectedLinear() const;  // "" for all linears
  bool savePng(const QString& path, double scale = 2.0) const;

 public Q_SLOTS:
  // The slopes of one step (all linears that have them), replacing the previous step's.
  void setSlopes(const QVector<bcjr::widgets::SlopeSnapshot>& slopes, int step);
  void selectLinear(const QString& linear);  // "" for all
  void refresh();

 private:
  void rebuild();
  QComboBox* linear_;
  QLabel* empty_;
  QCustomPlot* plot_;
  QCPBars* bars_;
  QCPItemStraightLine* ste_;
  QVector<SlopeSnapshot> slopes_;
  QVector<double> centres_, counts_;
  int step_ = -1;
  bool dirty_ = false;
};

}  // namespace bcjr::widgets
