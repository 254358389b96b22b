#include "widgets/spin_chain_view.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace bcjr::widgets {

namespace {
constexpr double kLeft = 56, kRight = 10, kRowHeight = 13;
const QColor kUp(214, 39, 40), kDown(31, 119, 180), kGround(175, 175, 175);

// White (low) to dark red (high) for a coupling energy in [0, top].
QColor energy_colour(double e, double top) {
  const double x = top > 0 ? std::clamp(e / top, 0.0, 1.0) : 0.0;
  return QColor::fromRgbF(1.0 - 0.35 * x, 1.0 - 0.85 * x, 1.0 - 0.85 * x);
}
}  // namespace

SpinChainView::SpinChainView(QWidget* parent) : QWidget(parent) {
  setAutoFillBackground(true);
  setPalette(QPalette(Qt::white));
  setMouseTracking(true);
}

void SpinChainView::setSnapshot(const ChainSnapshot& s) {
  snap_ = s;
  assignRows();
  update();
}

void SpinChainView::assignRows() {
  // Greedy colouring of the windows (intervals of L bits, on a circle for a ring) into rows.
  const int kv = snap_.request.k * snap_.request.V, L = snap_.request.L, M = std::max(1, snap_.bits);
  auto overlap = [&](int a, int b) {
    const int d = std::abs(a - b) * kv;
    return snap_.request.tailbiting ? (d % M) < L || (M - d % M) < L : d < L;
  };
  row_of_.fill(0, snap_.steps);
  rows_ = 1;
  for (int t = 0; t < snap_.steps; ++t) {
    auto clashes = [&](int row) {
      for (int u = 0; u < t; ++u)
        if (row_of_[u] == row && overlap(t, u)) return true;
      return false;
    };
    int row = 0;
    while (clashes(row)) ++row;
    row_of_[t] = row;
    rows_ = std::max(rows_, row + 1);
  }
}

void SpinChainView::setHighlightedStep(int t) {
  highlight_ = t;
  update();
}

double SpinChainView::spinX(int i) const {
  const double w = std::max(10.0, width() - kLeft - kRight);
  return kLeft + (i + 0.5) * w / std::max(1, snap_.bits);
}

QRectF SpinChainView::windowRect(int t, int part) const {
  const int kv = snap_.request.k * snap_.request.V, L = snap_.request.L, bits = snap_.bits;
  const double sx = (width() - kLeft - kRight) / std::max(1, bits);
  const int first = t * kv, last = first + L - 1;  // bits of window t (modulo bits on a ring)
  const double y = rows_top_ + row_of_.value(t) * kRowHeight;
  auto span = [&](int a, int b) { return QRectF(spinX(a) - sx / 2 + 1, y, (b - a + 1) * sx - 2, kRowHeight - 3); };
  if (last < bits) return part == 0 ? span(first, last) : QRectF();
  return part == 0 ? span(first, bits - 1) : span(0, last - bits);
}

int SpinChainView::windowAt(const QPointF& p) const {
  for (int t = 0; t < snap_.steps; ++t)
    for (int part = 0; part < 2; ++part)
      if (windowRect(t, part).contains(p)) return t;
  return -1;
}

void SpinChainView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  drawn_spins_ = drawn_couplings_ = 0;
  if (!snap_.valid() || snap_.magnetisation.size() != snap_.bits) {
    p.drawText(rect(), Qt::AlignCenter, tr("computing the chain…"));
    return;
  }
  const int bits = snap_.bits, N = snap_.steps;
  const double sx = (width() - kLeft - kRight) / std::max(1, bits);
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
  p.setFont(small);
  const QFontMetricsF fm(small);
  const double line = fm.height();
  p.setPen(Qt::black);
  const double text_width = width() - kLeft - kRight;
  auto caption = [&](double y, const QString& text) {
    p.drawText(QRectF(kLeft, y, text_width, line + 2), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(text, Qt::ElideRight, text_width));
  };
  caption(2, tr("%1 spins σ = 2b − 1%2 · arrow <σ> at T · grey: Viterbi")
                 .arg(bits)
                 .arg(snap_.request.tailbiting ? tr(" on a ring") : QString()));
  // Spins: the ground state's arrow in grey at full length, the thermal average over it.
  const double rows_height = windowRows() * kRowHeight;
  spin_top_ = line + 8;
  spin_height_ = std::max(40.0, height() - spin_top_ - rows_height - 2.5 * line - 10);
  const double mid = spin_top_ + spin_height_ / 2, half = spin_height_ / 2 - 4;
  const double aw = std::clamp(sx * 0.28, 1.5, 7.0);
  auto arrow = [&](double x, double m, const QColor& c, bool outline) {
    const double tip = mid - m * half;
    const double head = std::min(std::abs(m) * half, std::max(3.0, aw * 1.6)) * (m >= 0 ? 1 : -1);
    QPolygonF shape;
    shape << QPointF(x - aw / 2, mid) << QPointF(x - aw / 2, tip + head) << QPointF(x - aw, tip + head)
          << QPointF(x, tip) << QPointF(x + aw, tip + head) << QPointF(x + aw / 2, tip + head) << QPointF(x + aw / 2, mid);
    p.setPen(outline ? QPen(c, 1.0) : Qt::NoPen);
    p.setBrush(outline ? QBrush(Qt::NoBrush) : QBrush(c));
    p.drawPolygon(shape);
  };
  p.setPen(QPen(QColor(225, 225, 225), 1, Qt::DashLine));
  p.drawLine(QPointF(kLeft, mid), QPointF(width() - kRight, mid));
  for (int i = 0; i < bits; ++i) {
    const double x = spinX(i);
    if (snap_.ground_bits.size() == bits) arrow(x, snap_.ground_bits[i] ? 1.0 : -1.0, kGround, true);
    const double m = snap_.magnetisation[i];
    if (std::abs(m) > 1e-3) arrow(x, m, m > 0 ? kUp : kDown, false);
    ++drawn_spins_;
  }
  p.setPen(Qt::darkGray);
  p.drawText(QRectF(0, mid - half - 2, kLeft - 6, line), Qt::AlignRight | Qt::AlignTop, "+1");
  p.drawText(QRectF(0, mid + half - line + 2, kLeft - 6, line), Qt::AlignRight | Qt::AlignBottom, "−1");
  const int every = std::max(1, int(std::ceil(fm.horizontalAdvance("88") * 1.4 / sx)));
  const double labels_y = spin_top_ + spin_height_ + 1;
  for (int i = 0; i < bits; i += every)
    p.drawText(QRectF(spinX(i) - sx * every / 2, labels_y, sx * every, line), Qt::AlignCenter, QString::number(i));
  p.drawText(QRectF(0, labels_y, kLeft - 6, line), Qt::AlignRight | Qt::AlignVCenter, tr("bit"));
  // Couplings: each step's window of L bits, coloured by its mean energy at T.
  rows_top_ = labels_y + line + 3;
  double top = 0;
  for (int t = 0; t < N; ++t) top = std::max({top, snap_.site_energy_mean.value(t), snap_.ground_site_energy.value(t)});
  for (int t = 0; t < N; ++t) {
    const bool hi = t == highlight_;
    for (int part = 0; part < 2; ++part) {
      const QRectF r = windowRect(t, part);
      if (r.isNull()) continue;
      p.setBrush(energy_colour(snap_.site_energy_mean.value(t), top));
      p.setPen(QPen(hi ? Qt::black : QColor(120, 120, 120), hi ? 2.0 : 0.8));
      p.drawRoundedRect(r, 3, 3);
    }
    ++drawn_couplings_;
  }
  p.setPen(Qt::darkGray);
  p.drawText(QRectF(0, rows_top_, kLeft - 6, kRowHeight), Qt::AlignRight | Qt::AlignVCenter, tr("e_t"));
  const double legend_y = rows_top_ + windowRows() * kRowHeight + 2;
  p.setPen(Qt::black);
  caption(legend_y, tr("couplings: %1-bit windows, shade <e_t> ≤ %2")
                        .arg(snap_.request.L)
                        .arg(top, 0, 'g', 3));
}

bool SpinChainView::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip && snap_.valid()) {
    auto* help = static_cast<QHelpEvent*>(e);
    const int t = windowAt(help->pos());
    if (t >= 0) {
      const int kv = snap_.request.k * snap_.request.V;
      QToolTip::showText(help->globalPos(),
                         tr("step %1: bits %2..%3%4\n<e_t> at T = %5\ne_t on the ground state = %6")
                             .arg(t)
                             .arg(t * kv)
                             .arg(t * kv + snap_.request.L - 1)
                             .arg(snap_.request.tailbiting && t * kv + snap_.request.L > snap_.bits ? tr(" (mod %1)").arg(snap_.bits) : QString())
                             .arg(snap_.site_energy_mean.value(t), 0, 'g', 4)
                             .arg(snap_.ground_site_energy.value(t), 0, 'g', 4),
                         this);
    } else {
      QToolTip::hideText();
    }
    return true;
  }
  return QWidget::event(e);
}

}  // namespace bcjr::widgets
