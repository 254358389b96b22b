#include "app/studio/learn_worker.h"

#include <QByteArray>
#include <algorithm>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/physics/chain_solver.h"
#include "engine/physics/thermodynamics.h"
#include "engine/physics/transfer_matrix.h"
#include "widgets/learn_panel.h"

namespace bcjr::studio {

namespace {

// Asks `stale` at every report: a newer request makes the curve stop (bcjr::Cancelled).
class StaleCheck : public ProgressReporter {
 public:
  explicit StaleCheck(const std::function<bool()>& stale) : stale_(stale) {}
  bool report(const ProgressEvent&) override { return !(stale_ && stale_()); }

 private:
  const std::function<bool()>& stale_;
};

template <typename T>
QVector<double> to_qvector(const std::vector<T>& v) {
  return QVector<double>(v.begin(), v.end());
}

// The request's tile, or the Gaussian tile of its seed when it has none yet.
std::vector<float> tile_of(const widgets::ChainRequest& r, const trellis::Codebook& cb) {
  if (!r.weights.isEmpty()) return std::vector<float>(r.weights.begin(), r.weights.end());
  return physics::gaussian_tile(cb, r.n, r.seed);
}

// The tile a curve belongs to: shape, code, boundary and the weights' bits.
QString tile_key(const widgets::ChainRequest& r, const std::vector<float>& w) {
  const QByteArray bytes(reinterpret_cast<const char*>(w.data()), qsizetype(w.size() * sizeof(float)));
  return QString("%1 %2 %3 %4 %5 %6 ").arg(r.L).arg(r.k).arg(r.V).arg(r.n).arg(r.code).arg(r.tailbiting) +
         QString::fromLatin1(bytes.toHex());
}

}  // namespace

LearnWorker::LearnWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<widgets::ChainRequest>();
  qRegisterMetaType<widgets::ChainSnapshot>();
}

QVector<double> LearnWorker::curveTemperatures() {
  return to_qvector(physics::log_spaced_temperatures(widgets::LearnPanel::kMinT, widgets::LearnPanel::kMaxT, 61));
}

namespace {

physics::SpinChain chain_of(const widgets::ChainRequest& r) {
  const trellis::TrellisSpec spec{r.L, r.k, r.V, r.n};
  const auto boundary = r.tailbiting ? trellis::Boundary::TailBiting : trellis::Boundary::Free;
  physics::check_exact_range(spec, boundary);
  auto cb = trellis::make_codebook(r.code.toStdString(), r.L, r.V);
  std::vector<float> w = tile_of(r, cb);
  return physics::make_spin_chain(spec, boundary, std::move(cb), std::move(w));
}

// Everything at the request's T: posterior, thermodynamics, ground state, transfer matrix.
widgets::ChainSnapshot at_temperature(const widgets::ChainRequest& r, const physics::SpinChain& chain) {
  const physics::ChainPosterior post = physics::chain_posterior(chain, r.T);
  const physics::Thermodynamics th = physics::thermodynamics(post.moments, r.T);
  const physics::GroundState ground = physics::ground_state(chain);
  const int N = chain.steps(), S = chain.states(), V = r.V;
  widgets::ChainSnapshot s;
  s.request = r;
  s.request.weights = QVector<float>(chain.weights.begin(), chain.weights.end());
  s.description = QString::fromStdString(chain.spec.describe() + ", " + chain.codebook.describe() + ", " +
                                         trellis::boundary_name(chain.boundary));
  s.steps = N;
  s.states = S;
  s.symbols = chain.symbols();
  s.edges = physics::edge_count(chain);
  s.bits = chain.bits();
  s.codebook = to_qvector(chain.codebook.table);
  s.state_marginals = to_qvector(post.state_marginals);
  s.edge_marginals = to_qvector(post.edge_marginals);
  s.soft_codeword.fill(0.0, r.n);
  for (int t = 0; t < N; ++t)
    for (int st = 0; st < S; ++st)
      for (int v = 0; v < V; ++v)
        s.soft_codeword[t * V + v] += post.state_marginals[size_t(t) * S + st] * chain.codebook.table[size_t(st) * V + v];
  s.ground_states = QVector<int>(ground.states.begin(), ground.states.end());
  const auto bits = chain.path_bits(ground.states);
  s.ground_bits = QVector<int>(bits.begin(), bits.end());
  for (double p : post.bit_marginals) s.magnetisation.append(2 * p - 1);
  s.site_energy_mean = to_qvector(post.site_energy_mean);
  for (int t = 0; t < N; ++t) s.ground_site_energy.append(chain.energy(t, ground.states[size_t(t)]));
  s.ground_energy = ground.energy;
  s.log_z = th.log_z;
  s.free_energy = th.free_energy;
  s.energy = th.energy;
  s.entropy = th.entropy;
  s.heat_capacity = th.heat_capacity;
  s.matrix_step = std::clamp(r.matrix_step, 0, N - 1);
  const physics::TransferMatrix m = physics::transfer_matrix(chain, s.matrix_step, r.T);
  s.transfer = to_qvector(m.entries);
  s.transfer_log_scale = m.log_scale;
  return s;
}

widgets::ThermoCurves curves_of(const physics::SpinChain& chain, const std::function<bool()>& stale) {
  StaleCheck check(stale);
  std::vector<double> temps;
  for (double T : LearnWorker::curveTemperatures()) temps.push_back(T);
  widgets::ThermoCurves c;
  for (const auto& p : physics::thermodynamic_curve(chain, temps, &check)) {
    c.T.append(p.T);
    c.free_energy.append(p.free_energy);
    c.energy.append(p.energy);
    c.entropy.append(p.entropy);
    c.heat_capacity.append(p.heat_capacity);
  }
  return c;
}

// Sweep work of one curve (runs x steps x states x symbols x temperatures): beyond about 5e6
// (0.2 s on one core of the 2-core CI machine) the posterior is sent before the curve.
bool curve_is_slow(const physics::SpinChain& c) {
  const double runs = c.tailbiting() ? double(c.spec.overlaps()) : 1.0;
  return runs * c.steps() * c.states() * c.symbols() * 61 > 5e6;
}

}  // namespace

widgets::ChainSnapshot LearnWorker::snapshot(const widgets::ChainRequest& r, const widgets::ThermoCurves* curves,
                                             const std::function<bool()>& stale) {
  const physics::SpinChain chain = chain_of(r);
  widgets::ChainSnapshot s = at_temperature(r, chain);
  s.curves = curves ? *curves : curves_of(chain, stale);
  return s;
}

void LearnWorker::compute(const widgets::ChainRequest& r) {
  if (r.generation < latest_.load()) return;  // superseded while queued
  try {
    const physics::SpinChain chain = chain_of(r);
    widgets::ChainSnapshot s = at_temperature(r, chain);
    // The curves depend on the tile, not on T: reuse them while only T or the step changes.
    const QString key = tile_key(r, chain.weights);
    if (key == cached_key_ && cached_.valid()) {
      s.curves = cached_;
      Q_EMIT ready(s);
      return;
    }
    // A slow curve must not hold back the posterior (a dragged weight would show nothing until
    // released): send it first, without curves, then again with them.
    if (curve_is_slow(chain)) Q_EMIT ready(s);
    auto stale = [this, g = r.generation] { return g < latest_.load(); };
    s.curves = curves_of(chain, stale);
    cached_key_ = key;
    cached_ = s.curves;
    Q_EMIT ready(s);
  } catch (const Cancelled&) {
    // a newer request is queued; it will answer
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromStdString(e.what()).section('\n', 0, 0));
  }
}

}  // namespace bcjr::studio
