#include "app/studio/posterior_snapshot.h"

#include <algorithm>
#include <cmath>

#include "engine/physics/tile_posterior_view.h"

namespace bcjr::studio {

widgets::PosteriorSnapshot posterior_snapshot(const physics::TilePosteriorView& v) {
  widgets::PosteriorSnapshot s;
  s.label = QString::fromStdString(v.label) + QString(", %1").arg(QString::fromStdString(v.method));
  s.temperature = v.T;
  s.steps = v.steps;
  s.symbols = v.symbols;
  s.marginals = QVector<float>(v.marginals.begin(), v.marginals.end());
  for (int t = 0; t < v.steps; ++t) {
    s.expected.append(v.mean[size_t(t) * v.V]);
    s.stddev.append(std::sqrt(std::max(0.f, v.variance[size_t(t) * v.V])));
    s.target.append(v.target[size_t(t) * v.V]);
  }
  s.viterbi_symbols = QVector<int>(v.viterbi_symbols.begin(), v.viterbi_symbols.end());
  return s;
}

}  // namespace bcjr::studio
