// Plain values for the Learn tab: what it asks the engine for (a small trellis, its code, a tile,
// a temperature) and the exact answer it draws (docs/PHYSICS.md has the definitions). No engine
// types, so that the views can be tested without the engine.
#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>

namespace bcjr::widgets {

struct ChainRequest {
  int L = 4, k = 1, V = 1, n = 16;
  QString code = "1mad";    // 1mad, 3inst (V = 1) or hyb (V = 2)
  bool tailbiting = false;
  QVector<float> weights;   // the tile, n values; empty: a Gaussian tile drawn from `seed`
  quint64 seed = 1;
  double T = 0.1;
  int matrix_step = 0;      // the step whose transfer matrix is sent
  quint64 generation = 0;   // set by the sender; stale generations are skipped
  int steps() const { return n / V; }
};

// The thermodynamics of the tile across temperatures (ascending T).
struct ThermoCurves {
  QVector<double> T, free_energy, energy, entropy, heat_capacity;
  bool valid() const { return T.size() > 1 && free_energy.size() == T.size() && heat_capacity.size() == T.size(); }
};

struct ChainSnapshot {
  ChainRequest request;
  QString description;                // "L=4 k=1 V=1 n=16, 1mad (...), free"
  int steps = 0, states = 0, symbols = 0, edges = 0, bits = 0;
  QVector<double> codebook;           // [states * V]: c(s)
  QVector<double> state_marginals;    // [steps * states]
  QVector<double> edge_marginals;     // [edges * states * symbols]: edge e from s_e = p by symbol u
  QVector<double> soft_codeword;      // [n]: E[c(s_t)]
  QVector<int> ground_states;         // [steps]: the Viterbi path
  QVector<int> ground_bits;           // [bits]: its spins (0 or 1)
  QVector<double> magnetisation;      // [bits]: <2 b_i - 1> at T
  QVector<double> site_energy_mean;   // [steps]: <e_t(s_t)> at T
  QVector<double> ground_site_energy; // [steps]: e_t(s*_t) on the ground state
  double ground_energy = 0;
  double log_z = 0, free_energy = 0, energy = 0, entropy = 0, heat_capacity = 0;  // at T
  ThermoCurves curves;
  int matrix_step = 0;
  QVector<double> transfer;           // [states * states]: M_t(p, s) / max M_t, row p
  double transfer_log_scale = 0;      // log max M_t

  bool valid() const { return steps > 0 && states > 0 && state_marginals.size() == steps * states; }
  double stateMarginal(int t, int s) const { return state_marginals[t * states + s]; }
  double edgeMarginal(int e, int p, int u) const { return edge_marginals[(e * states + p) * symbols + u]; }
};

}  // namespace bcjr::widgets

Q_DECLARE_METATYPE(bcjr::widgets::ChainRequest)
Q_DECLARE_METATYPE(bcjr::widgets::ChainSnapshot)
