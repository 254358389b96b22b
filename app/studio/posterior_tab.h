// The posterior tab: the temperature (a log-scale slider with labelled ticks, or the running
// run's T), and the tile: a Gaussian tile with its own trellis (L, code, boundary, seed, in a box
// of their own) or a tile of a run (layer, linear, tile; the run's trellis), live or from a run
// folder opened in the layer map. Edits are coalesced: at most one request per 40 ms reaches the
// worker, and only the newest is computed.
#pragma once

#include <QTimer>
#include <QWidget>

#include "app/studio/engine_worker.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QSpinBox;

namespace bcjr::widgets {
class LogSlider;
class PosteriorView;
}

namespace bcjr::studio {

class LayerMapWorker;

class PosteriorTab : public QWidget {
  Q_OBJECT
 public:
  enum Source { GaussianTile = 0, LiveRun = 1, RunFolder = 2 };
  explicit PosteriorTab(EngineWorker* worker, QWidget* parent = nullptr);
  TileRequest currentRequest() const;
  // The temperature requests use: the run's when following it, else the slider's.
  double temperature() const;
  void setTemperature(double T);
  bool followsRun() const;
  void setFollowRun(bool follow);
  Source source() const;
  QString runFolder() const { return run_folder_; }
  widgets::PosteriorView* view() const { return view_; }
  widgets::LogSlider* slider() const { return t_slider_; }
  // Where tiles of a run folder are computed (the layer map's worker): it gets the requests
  // whose run_folder is set, and answers with posteriorReady.
  void setRunFolderWorker(LayerMapWorker* worker);

 public Q_SLOTS:
  // Recomputes the current tile (a running session's tile changes after every step).
  void refresh();
  // The temperature of the step the run finished last.
  void setRunTemperature(double T);
  // Opens a tile of a run: the live one when run_dir is empty, else that folder.
  void showRunTile(int layer, const QString& linear, int tile, const QString& run_dir = {});

 Q_SIGNALS:
  void requestPosterior(const bcjr::studio::TileRequest& r);
  void requestFolderPosterior(const bcjr::studio::TileRequest& r);

 private:
  void scheduleUpdate();
  void send();
  void sourceChanged();

  EngineWorker* worker_;
  widgets::PosteriorView* view_;
  widgets::LogSlider* t_slider_;
  QLabel* t_label_;
  QCheckBox* follow_;
  QGroupBox* gaussian_box_;
  QGroupBox* run_box_;
  QSpinBox* l_spin_;
  QSpinBox* seed_spin_;
  QComboBox* code_combo_;
  QComboBox* boundary_combo_;
  QComboBox* source_combo_;
  QSpinBox* layer_spin_;
  QComboBox* linear_combo_;
  QSpinBox* tile_spin_;
  QLabel* run_label_;
  QTimer coalesce_;
  QString run_folder_;
  double run_T_ = 0;  // 0: no run has reported a step
  LayerMapWorker* folder_worker_ = nullptr;
};

}  // namespace bcjr::studio
