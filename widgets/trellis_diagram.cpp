#include "widgets/trellis_diagram.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace bcjr::widgets {

namespace {
const QColor kEdge(31, 119, 180);
const QColor kGround(230, 110, 0);
const QColor kWeight(40, 40, 40);
const QColor kSoft(31, 119, 180);
constexpr double kLeft = 56, kRight = 10, kTop = 18, kBottom = 22;
constexpr double kMinShown = 1e-3;  // edges below this probability are drawn as the bare structure

QString state_label(int s, int L) {
  return L <= 5 ? QString::number(s, 2).rightJustified(L, '0') : QString::number(s);
}
}  // namespace

TrellisDiagram::TrellisDiagram(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAutoFillBackground(true);
  setPalette(QPalette(Qt::white));
  setToolTip(tr("Drag a weight (black dot) up or down; the posterior follows."));
}

void TrellisDiagram::setSnapshot(const ChainSnapshot& s) {
  snap_ = s;
  if (drag_ < 0) {
    weights_ = s.request.weights;
    double r = 0;
    for (double c : s.codebook) r = std::max(r, std::abs(c));
    for (float w : weights_) r = std::max(r, double(std::abs(w)));
    range_ = std::max(0.5, 1.15 * r);
  }
  if (highlight_ >= s.steps) highlight_ = -1;
  update();
}

void TrellisDiagram::setWeights(const QVector<float>& w) {
  weights_ = w;
  update();
}

void TrellisDiagram::setHighlightedStep(int t) {
  highlight_ = t;
  update();
}

QRectF TrellisDiagram::stripRect() const {
  const double h = std::max(80.0, 0.28 * height());
  return QRectF(kLeft, kTop, std::max(10.0, width() - kLeft - kRight), h);
}

QRectF TrellisDiagram::trellisRect() const {
  const QRectF strip = stripRect();
  const double top = strip.bottom() + 14;
  return QRectF(kLeft, top, strip.width(), std::max(10.0, height() - top - kBottom));
}

int TrellisDiagram::columns() const { return snap_.steps + (snap_.request.tailbiting ? 1 : 0); }

double TrellisDiagram::columnX(int t) const {
  const QRectF r = trellisRect();
  return r.left() + (t + 0.5) * r.width() / std::max(1, columns());
}

double TrellisDiagram::rowY(int s) const {
  const QRectF r = trellisRect();
  return r.top() + (s + 0.5) * r.height() / std::max(1, snap_.states);
}

double TrellisDiagram::valueY(double v) const {
  const QRectF r = stripRect();
  return r.center().y() - v / range_ * r.height() / 2;
}

double TrellisDiagram::valueAt(double y) const {
  const QRectF r = stripRect();
  return std::clamp((r.center().y() - y) / (r.height() / 2) * range_, -range_, range_);
}

QPointF TrellisDiagram::weightPosition(int i) const {
  const int V = std::max(1, snap_.request.V);
  const int t = i / V, v = i % V;
  const double dx = trellisRect().width() / std::max(1, columns());
  const double offset = V == 1 ? 0.0 : (v - 0.5) * 0.36 * dx;
  const double w = i < weights_.size() ? weights_[i] : 0.0;
  return {columnX(t) + offset, valueY(w)};
}

int TrellisDiagram::weightNear(const QPointF& p) const {
  if (!snap_.valid() || weights_.size() != snap_.request.n) return -1;
  int best = -1;
  double best_d = 10.0;
  for (int i = 0; i < weights_.size(); ++i) {
    const double d = QLineF(p, weightPosition(i)).length();
    if (d < best_d) {
      best_d = d;
      best = i;
    }
  }
  return best;
}

void TrellisDiagram::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  if (!snap_.valid()) {
    p.drawText(rect(), Qt::AlignCenter, tr("computing the trellis…"));
    drawn_states_ = drawn_edges_ = 0;
    return;
  }
  paintStrip(p);
  paintTrellis(p);
}

void TrellisDiagram::paintStrip(QPainter& p) {
  const QRectF r = stripRect();
  const int V = snap_.request.V, N = snap_.steps;
  const double dx = trellisRect().width() / std::max(1, columns());
  p.setPen(QPen(QColor(200, 200, 200)));
  p.setBrush(QColor(250, 250, 250));
  p.drawRect(r);
  p.setPen(QPen(QColor(215, 215, 215), 1, Qt::DashLine));
  p.drawLine(QPointF(r.left(), valueY(0)), QPointF(r.right(), valueY(0)));
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
  p.setFont(small);
  p.setPen(Qt::darkGray);
  p.drawText(QRectF(0, valueY(range_ * 0.8) - 8, kLeft - 6, 16), Qt::AlignRight | Qt::AlignVCenter,
             QString::number(range_ * 0.8, 'g', 2));
  p.drawText(QRectF(0, valueY(0) - 8, kLeft - 6, 16), Qt::AlignRight | Qt::AlignVCenter, "0");
  p.drawText(QRectF(0, valueY(-range_ * 0.8) - 8, kLeft - 6, 16), Qt::AlignRight | Qt::AlignVCenter,
             QString::number(-range_ * 0.8, 'g', 2));
  p.setPen(Qt::black);
  const QString legend = tr("● weight (drag)  ○ soft <c(s_t)>  ▬ Viterbi c(s*_t)");
  p.drawText(QRectF(r.left(), 0, r.width(), kTop), Qt::AlignLeft | Qt::AlignVCenter,
             p.fontMetrics().elidedText(legend, Qt::ElideRight, int(r.width())));
  for (int t = 0; t < N; ++t)
    for (int v = 0; v < V; ++v) {
      const int i = t * V + v;
      const double x = weightPosition(i).x();
      if (snap_.ground_states.size() == N) {  // the hard reconstruction
        const double c = snap_.codebook[snap_.ground_states[t] * V + v];
        p.setPen(QPen(kGround, 2.5));
        p.drawLine(QPointF(x - 0.22 * dx / V, valueY(c)), QPointF(x + 0.22 * dx / V, valueY(c)));
      }
      if (snap_.soft_codeword.size() == snap_.request.n) {
        p.setPen(QPen(kSoft, 1.6));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(QPointF(x, valueY(snap_.soft_codeword[i])), 4.5, 4.5);
      }
      if (i < weights_.size()) {
        p.setPen(Qt::NoPen);
        p.setBrush(i == drag_ ? QColor(200, 0, 0) : kWeight);
        p.drawEllipse(weightPosition(i), 4, 4);
      }
    }
}

void TrellisDiagram::paintTrellis(QPainter& p) {
  const QRectF r = trellisRect();
  const int N = snap_.steps, S = snap_.states, B = snap_.symbols, E = snap_.edges;
  const int L = snap_.request.L, kv = snap_.request.k * snap_.request.V;
  const double dx = r.width() / std::max(1, columns()), dy = r.height() / std::max(1, S);
  if (highlight_ >= 0 && highlight_ < N) {
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(255, 236, 179, 140));
    p.drawRect(QRectF(columnX(highlight_) - dx / 2, r.top(), dx, r.height()));
  }
  auto successor = [&](int s, int u) { return ((s << kv) | u) & (S - 1); };
  // The bare structure first (where it is sparse enough to read), then each edge as wide and
  // opaque as its probability.
  drawn_edges_ = 0;
  const bool show_structure = S * B <= 64;
  const QPen structure(QColor(0, 0, 0, 28), 0.5);
  for (int e = 0; e < E; ++e)
    for (int s = 0; s < S; ++s)
      for (int u = 0; u < B; ++u) {
        const int n = successor(s, u);
        const QPointF a(columnX(e), rowY(s)), b(columnX(e + 1), rowY(n));
        const double prob = snap_.edgeMarginal(e, s, u);
        if (prob < kMinShown && !show_structure) continue;
        ++drawn_edges_;
        if (prob < kMinShown) {
          p.setPen(structure);
        } else {
          QColor c = kEdge;
          c.setAlphaF(std::min(1.0, 0.12 + 0.88 * prob));
          p.setPen(QPen(c, 0.6 + 5.4 * prob * std::min(1.0, dy / 6), Qt::SolidLine, Qt::RoundCap));
        }
        p.drawLine(a, b);
      }
  // The ground state (Viterbi path), drawn thin on top so that the posterior shows around it.
  if (snap_.ground_states.size() == N) {
    QPainterPath path(QPointF(columnX(0), rowY(snap_.ground_states[0])));
    for (int t = 1; t < N; ++t) path.lineTo(columnX(t), rowY(snap_.ground_states[t]));
    if (snap_.request.tailbiting) path.lineTo(columnX(N), rowY(snap_.ground_states[0]));
    p.setPen(QPen(kGround, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
  }
  // Nodes, filled by the state's marginal; on a ring the last column repeats s_0.
  const double radius = std::clamp(std::min(dy, dx) * 0.3, 1.2, 6.0);
  drawn_states_ = 0;
  for (int t = 0; t < columns(); ++t)
    for (int s = 0; s < S; ++s) {
      const bool ghost = t == N;
      QColor fill = kEdge;
      fill.setAlphaF(std::clamp(snap_.stateMarginal(ghost ? 0 : t, s), 0.0, 1.0));
      p.setBrush(fill);
      p.setPen(S > 64 ? Qt::NoPen : QPen(QColor(150, 150, 150), 0.7, ghost ? Qt::DotLine : Qt::SolidLine));
      p.drawEllipse(QPointF(columnX(t), rowY(s)), radius, radius);
      if (!ghost) ++drawn_states_;
    }
  // Labels: states on the left (every one when there is room), steps below.
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
  p.setFont(small);
  p.setPen(Qt::darkGray);
  const int row_every = std::max(1, int(std::ceil(12.0 / dy)));
  for (int s = 0; s < S; s += row_every)
    p.drawText(QRectF(0, rowY(s) - 7, kLeft - 6, 14), Qt::AlignRight | Qt::AlignVCenter, state_label(s, L));
  const int col_every = std::max(1, int(std::ceil(22.0 / dx)));
  for (int t = 0; t < columns(); t += col_every)
    p.drawText(QRectF(columnX(t) - dx * col_every / 2, r.bottom() + 3, dx * col_every, 16), Qt::AlignCenter,
               t == N ? tr("↺0") : QString::number(t));
  p.save();
  p.translate(10, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-r.height() / 2, -8, r.height(), 16), Qt::AlignCenter, tr("state s (L = %1 bits)").arg(L));
  p.restore();
}

void TrellisDiagram::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return;
  drag_ = weightNear(e->position());
  if (drag_ >= 0) {
    setCursor(Qt::ClosedHandCursor);
    update();
  }
}

void TrellisDiagram::mouseMoveEvent(QMouseEvent* e) {
  if (drag_ < 0) {
    setCursor(weightNear(e->position()) >= 0 ? Qt::OpenHandCursor : Qt::ArrowCursor);
    return;
  }
  weights_[drag_] = float(valueAt(e->position().y()));
  update();
  Q_EMIT weightsEdited(weights_);
}

void TrellisDiagram::mouseReleaseEvent(QMouseEvent* e) {
  if (drag_ < 0 || e->button() != Qt::LeftButton) return;
  weights_[drag_] = float(valueAt(e->position().y()));
  drag_ = -1;
  setCursor(Qt::OpenHandCursor);
  update();
  Q_EMIT weightsEdited(weights_);
}

}  // namespace bcjr::widgets
