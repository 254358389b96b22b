// The layer map: a heat map over the 16x16-tile grid of one quantised linear (the quantisation
// error, the codeword flips since PTQ, or the posterior entropy at T, per tile), fed as plain
// values. Clicking a tile reports its index; the tile the user opened is outlined.
#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QMouseEvent;

namespace bcjr::widgets {

struct LayerMapSnapshot {
  QString label;   // e.g. "layer 4 q_proj, W_latent after step 7"
  QString metric;  // "error", "flips" or "entropy"
  QString unit;    // the colour scale's label
  int layer = -1;
  QString linear;  // "q_proj" ...
  int tile_rows = 0, tile_cols = 0;
  QVector<double> values;  // by tile index row * tile_cols + col
  double T = 0;            // entropy: the temperature
  QString method;          // the Viterbi or BCJR method
  bool valid() const { return tile_rows > 0 && tile_cols > 0 && values.size() == tile_rows * tile_cols; }
};

class LayerMapView : public QWidget {
  Q_OBJECT
 public:
  explicit LayerMapView(QWidget* parent = nullptr);
  const LayerMapSnapshot& snapshot() const { return snapshot_; }
  QCustomPlot* plot() const { return plot_; }
  // The tile under a pixel of plot(), or -1.
  int tileAt(const QPoint& pixel) const;
  // The pixel of plot() at the centre of a tile (for tests and tooltips).
  QPoint tileCenter(int tile) const;
  int highlightedTile() const { return highlighted_; }

 public Q_SLOTS:
  void setSnapshot(const bcjr::widgets::LayerMapSnapshot& s);
  void highlightTile(int tile);  // -1: none

 Q_SIGNALS:
  void tileClicked(int tile);

 private:
  void onPress(QMouseEvent* e);
  void onMove(QMouseEvent* e);
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPColorScale* scale_;
  QCPItemRect* outline_;
  LayerMapSnapshot snapshot_;
  int highlighted_ = -1;
};

}  // namespace bcjr::widgets

Q_DECLARE_METATYPE(bcjr::widgets::LayerMapSnapshot)
