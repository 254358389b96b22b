// The thermodynamics of the tile against T on a log axis: F and <E> (energies) above, S and C
// below, the current T marked in both, and the peak of C, where the chain crosses over from its
// frozen ground state to disorder, as a dashed line named in the legend.
#pragma once

#include <QWidget>

#include "widgets/learn_snapshot.h"

class QCPItemStraightLine;
class QCPItemText;

namespace bcjr::widgets {

class CurvePlot;

class ThermodynamicsPlot : public QWidget {
  Q_OBJECT
 public:
  explicit ThermodynamicsPlot(QWidget* parent = nullptr);
  // Invalid curves (a slow curve still being computed) clear the plots and say so.
  void setCurves(const ThermoCurves& c);
  void setTemperature(double T);
  CurvePlot* energyPlot() const { return energy_; }
  CurvePlot* fluctuationPlot() const { return fluct_; }
  double peakTemperature() const { return peak_T_; }  // where C peaks inside the range (0: nowhere)
  double markedTemperature() const { return marked_T_; }

 private:
  CurvePlot* energy_;
  CurvePlot* fluct_;
  QCPItemStraightLine* marker_[2];
  QCPItemStraightLine* peak_line_;
  QCPItemText* pending_;  // shown while a snapshot has no curves yet
  double peak_T_ = 0, marked_T_ = 0;
};

}  // namespace bcjr::widgets
