// The Learn tab's face: a small trellis to play with. Controls (a log-scale T slider from 1e-3 to
// 10, the trellis shape, code, boundary, a new random tile, the step to look at) turn into
// ChainRequests; the exact answers come back as ChainSnapshots and update every view at once: the
// trellis, the spin chain, the thermodynamic curves, the transfer matrix, beside a guided text.
#pragma once

#include <QTimer>
#include <QWidget>

#include "widgets/learn_snapshot.h"

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace bcjr::widgets {

class GuidedTour;
class SpinChainView;
class ThermodynamicsPlot;
class TransferMatrixView;
class TrellisDiagram;

class LearnPanel : public QWidget {
  Q_OBJECT
 public:
  explicit LearnPanel(QWidget* parent = nullptr);

  // The current settings, weights (empty until the first tile arrives) and T.
  ChainRequest request() const;
  double temperature() const;
  const ChainSnapshot& snapshot() const { return snap_; }
  bool hasSnapshot() const { return snap_.valid(); }

  TrellisDiagram* trellis() const { return trellis_; }
  SpinChainView* chain() const { return chain_; }
  ThermodynamicsPlot* curves() const { return curves_; }
  TransferMatrixView* matrix() const { return matrix_; }
  GuidedTour* tour() const { return tour_; }
  QSlider* temperatureSlider() const { return t_slider_; }
  static constexpr double kMinT = 1e-3, kMaxT = 10;

 public Q_SLOTS:
  void setSnapshot(const bcjr::widgets::ChainSnapshot& s);
  void showError(const QString& message);
  void setTemperature(double T);
  void setStep(int t);
  void newTile();  // a fresh Gaussian tile (the engine draws it from the next seed)

 Q_SIGNALS:
  // Coalesced: at most one every 30 ms however fast the slider or a dragged weight moves.
  void requestChanged(const bcjr::widgets::ChainRequest& r);

 private:
  void scheduleRequest();
  void shapeChanged();
  void performAction(const QString& action);
  void updateInfo();

  QSlider* t_slider_;
  QLabel* t_label_;
  QSpinBox *l_spin_, *k_spin_, *n_spin_, *step_spin_;
  QComboBox *code_combo_, *boundary_combo_;
  QPushButton* new_tile_;
  QLabel* info_;
  TrellisDiagram* trellis_;
  SpinChainView* chain_;
  ThermodynamicsPlot* curves_;
  TransferMatrixView* matrix_;
  GuidedTour* tour_;

  QVector<float> weights_;  // empty: ask the engine for the tile of seed_
  quint64 seed_ = 1;
  ChainSnapshot snap_;
  QTimer coalesce_;
};

}  // namespace bcjr::widgets
