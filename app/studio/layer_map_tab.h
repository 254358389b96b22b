// The Layer map tab: pick a linear of the live run or of a run folder, a quantity (quantisation
// error, flips since PTQ, posterior entropy at T), compute it off the GUI thread (cancellable), see
// it over the linear's tile grid, and open a tile in the Posterior view by clicking it or by asking
// for the tile with the most flips or the highest entropy.
#pragma once

#include <QThread>
#include <QWidget>

#include "app/studio/layer_map_worker.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace bcjr::widgets {
class LayerMapView;
}

namespace bcjr::studio {

class LayerMapTab : public QWidget {
  Q_OBJECT
 public:
  explicit LayerMapTab(TrainingWorker* training, QWidget* parent = nullptr);
  ~LayerMapTab() override;
  widgets::LayerMapView* view() const { return view_; }
  LayerMapWorker* worker() const { return worker_; }
  LayerMapRequest currentRequest() const;
  // "" = the live run.
  QString runFolder() const { return run_dir_; }
  void setRunFolder(const QString& dir);
  void setLinear(int layer, const QString& linear);
  void setMetric(const QString& metric);  // error | flips | entropy
  void setTemperature(double T);

 public Q_SLOTS:
  void compute();
  void cancel();
  // Computes flips (or entropy) if needed and opens the tile with the largest value.
  void showMostFlips();
  void showHighestEntropy();
  // The run's T after its last step: the entropy's T unless the user typed one.
  void setRunTemperature(double T);
  void openFolder();

 Q_SIGNALS:
  void openTile(int layer, const QString& linear, int tile, const QString& run_dir);
  void message(const QString& line);

 private:
  void showMaximum(const QString& metric);
  void mapReady(const widgets::LayerMapSnapshot& s);

  QThread thread_;
  LayerMapWorker* worker_;
  widgets::LayerMapView* view_;
  QComboBox* source_;
  QSpinBox* layer_;
  QComboBox* linear_;
  QComboBox* metric_;
  QDoubleSpinBox* T_;
  QPushButton* compute_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  QLabel* status_;
  QString run_dir_;
  QString pending_maximum_;  // metric whose largest tile to open when its map arrives
  bool user_T_ = false;
};

}  // namespace bcjr::studio
