// Teaches the trellis / spin-chain analogy: an explanation beside the thermodynamics of one real
// tile (free energy, mean energy and entropy across temperatures), fed as plain values.
#pragma once

#include <QVector>
#include <QWidget>

class QTextBrowser;

namespace bcjr::widgets {

class CurvePlot;

struct ThermoSnapshot {
  QString label;                  // which tile
  QVector<double> temperature;    // ascending
  QVector<double> free_energy;    // F = -T log Z
  QVector<double> energy;         // U = <E>
  bool valid() const { return !temperature.isEmpty() && free_energy.size() == temperature.size() && energy.size() == temperature.size(); }
};

class IsingPanel : public QWidget {
  Q_OBJECT
 public:
  explicit IsingPanel(QWidget* parent = nullptr);
  CurvePlot* plot() const { return plot_; }
  QTextBrowser* text() const { return text_; }

 public Q_SLOTS:
  // Draws F, U and TS = U - F against T.
  void setThermodynamics(const bcjr::widgets::ThermoSnapshot& s);

 private:
  QTextBrowser* text_;
  CurvePlot* plot_;
};

}  // namespace bcjr::widgets

Q_DECLARE_METATYPE(bcjr::widgets::ThermoSnapshot)
