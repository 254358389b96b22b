// The same tile as a spin chain: one spin per bit of the path (sigma = 2b - 1), each drawn as its
// magnetisation <sigma_i> at T over the ground state (the Viterbi path, in grey), and under the
// spins every step's L-bit window, the range of its coupling, coloured by its mean energy <e_t>.
#pragma once

#include <QWidget>

#include "widgets/learn_snapshot.h"

class QPainter;

namespace bcjr::widgets {

class SpinChainView : public QWidget {
  Q_OBJECT
 public:
  explicit SpinChainView(QWidget* parent = nullptr);
  void setSnapshot(const ChainSnapshot& s);
  void setHighlightedStep(int t);
  int drawnSpins() const { return drawn_spins_; }
  int drawnCouplings() const { return drawn_couplings_; }
  QSize minimumSizeHint() const override { return {240, 150}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  bool event(QEvent* e) override;  // tool tips: a window's bits and energies

 private:
  double spinX(int i) const;
  int windowRows() const { return rows_; }
  void assignRows();
  QRectF windowRect(int t, int part) const;  // part 1: the wrapped rest of a ring's window
  int windowAt(const QPointF& p) const;

  ChainSnapshot snap_;
  int highlight_ = -1;
  QVector<int> row_of_;  // the row each step's window is drawn in, so that no two overlap
  int rows_ = 1;
  int drawn_spins_ = 0, drawn_couplings_ = 0;
  double spin_top_ = 0, spin_height_ = 0, rows_top_ = 0;
};

}  // namespace bcjr::widgets
