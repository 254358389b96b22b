// The posterior tab: controls for the trellis (L, code, boundary), the tile and the temperature,
// and the posterior view they drive. Edits are coalesced: at most one request per 40 ms reaches
// the worker, and only the newest is computed.
#pragma once

#include <QTimer>
#include <QWidget>

#include "app/studio/engine_worker.h"

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace bcjr::widgets {
class PosteriorView;
}

namespace bcjr::studio {

class PosteriorTab : public QWidget {
  Q_OBJECT
 public:
  explicit PosteriorTab(EngineWorker* worker, QWidget* parent = nullptr);
  TileRequest currentRequest() const;
  double temperature() const;
  void setTemperature(double T);
  widgets::PosteriorView* view() const { return view_; }

 public Q_SLOTS:
  // Recomputes the current tile (a running session's tile changes after every step).
  void refresh();

 Q_SIGNALS:
  void requestPosterior(const bcjr::studio::TileRequest& r);

 private:
  void scheduleUpdate();
  void send();

  EngineWorker* worker_;
  widgets::PosteriorView* view_;
  QSlider* t_slider_;
  QLabel* t_label_;
  QSpinBox* l_spin_;
  QSpinBox* seed_spin_;
  QComboBox* code_combo_;
  QComboBox* boundary_combo_;
  QComboBox* source_combo_;
  QSpinBox* layer_spin_;
  QComboBox* linear_combo_;
  QSpinBox* tile_spin_;
  QTimer coalesce_;
};

}  // namespace bcjr::studio
