#include "widgets/layer_map_view.h"

#include <qcustomplot.h>

#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/viridis.h"

namespace bcjr::widgets {

LayerMapView::LayerMapView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, tr("Layer map"), QFont("sans", 10, QFont::Bold)));
  plot_->xAxis->setLabel(tr("tile column (input features / 16)"));
  plot_->yAxis->setLabel(tr("tile row (output features / 16)"));
  plot_->yAxis->setRangeReversed(true);  // row 0 at the top, as the matrix is written
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  map_->setGradient(viridis());
  map_->setInterpolate(false);
  scale_ = new QCPColorScale(plot_);
  scale_->setType(QCPAxis::atRight);
  scale_->setGradient(viridis());
  map_->setColorScale(scale_);
  plot_->plotLayout()->addElement(1, 1, scale_);
  auto* group = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, group);
  scale_->setMarginGroup(QCP::msTop | QCP::msBottom, group);
  outline_ = new QCPItemRect(plot_);
  outline_->setPen(QPen(QColor(230, 30, 30), 2.5));
  outline_->setVisible(false);
  plot_->setMouseTracking(true);
  plot_->setToolTip(tr("Click a tile to open it in the Posterior view"));
  connect(plot_, &QCustomPlot::mousePress, this, &LayerMapView::onPress);
  connect(plot_, &QCustomPlot::mouseMove, this, &LayerMapView::onMove);
}

void LayerMapView::setSnapshot(const LayerMapSnapshot& s) {
  snapshot_ = s;
  highlightTile(-1);
  if (!s.valid()) {
    map_->data()->clear();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  map_->data()->setSize(s.tile_cols, s.tile_rows);
  map_->data()->setRange(QCPRange(0, s.tile_cols - 1), QCPRange(0, s.tile_rows - 1));
  double lo = s.values[0], hi = s.values[0];
  for (int r = 0; r < s.tile_rows; ++r)
    for (int c = 0; c < s.tile_cols; ++c) {
      const double v = s.values[r * s.tile_cols + c];
      map_->data()->setCell(c, r, v);
      lo = std::min(lo, v), hi = std::max(hi, v);
    }
  if (hi <= lo) hi = lo + 1;  // a flat map still gets a scale
  map_->setDataRange(QCPRange(lo, hi));
  scale_->axis()->setLabel(s.unit);
  plot_->xAxis->setRange(-0.5, s.tile_cols - 0.5);
  plot_->yAxis->setRange(-0.5, s.tile_rows - 0.5);
  QString title = s.label;
  if (s.metric == "entropy") title += tr(" — posterior entropy at T = %1").arg(s.T, 0, 'g', 3);
  else if (s.metric == "flips") title += tr(" — codeword flips since PTQ");
  else title += tr(" — quantisation error against the unquantised weight");
  if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) t->setText(title);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int LayerMapView::tileAt(const QPoint& pixel) const {
  if (!snapshot_.valid() || !plot_->axisRect()->rect().contains(pixel)) return -1;
  const int c = int(std::floor(plot_->xAxis->pixelToCoord(pixel.x()) + 0.5));
  const int r = int(std::floor(plot_->yAxis->pixelToCoord(pixel.y()) + 0.5));
  if (c < 0 || r < 0 || c >= snapshot_.tile_cols || r >= snapshot_.tile_rows) return -1;
  return r * snapshot_.tile_cols + c;
}

QPoint LayerMapView::tileCenter(int tile) const {
  if (!snapshot_.valid() || tile < 0) return {};
  return QPoint(int(std::lround(plot_->xAxis->coordToPixel(tile % snapshot_.tile_cols))),
                int(std::lround(plot_->yAxis->coordToPixel(tile / snapshot_.tile_cols))));
}

void LayerMapView::highlightTile(int tile) {
  highlighted_ = snapshot_.valid() && tile >= 0 && tile < snapshot_.values.size() ? tile : -1;
  outline_->setVisible(highlighted_ >= 0);
  if (highlighted_ >= 0) {
    const double c = highlighted_ % snapshot_.tile_cols, r = highlighted_ / snapshot_.tile_cols;
    outline_->topLeft->setCoords(c - 0.5, r - 0.5);
    outline_->bottomRight->setCoords(c + 0.5, r + 0.5);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LayerMapView::onPress(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return;
  const int tile = tileAt(e->pos());
  if (tile < 0) return;
  highlightTile(tile);
  Q_EMIT tileClicked(tile);
}

void LayerMapView::onMove(QMouseEvent* e) {
  const int tile = tileAt(e->pos());
  if (tile < 0) return;
  QToolTip::showText(e->globalPosition().toPoint(),
                     tr("tile %1 (row %2, column %3): %4")
                         .arg(tile)
                         .arg(tile / snapshot_.tile_cols)
                         .arg(tile % snapshot_.tile_cols)
                         .arg(snapshot_.values[tile], 0, 'g', 4),
                     plot_);
}

}  // namespace bcjr::widgets
