#include "engine/physics/chain_solver.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"

namespace bcjr::physics {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kNegligible = 1e-18;  // a ring's run whose share of Z is below this is skipped

void check_temperature(double T) {
  BCJR_CHECK(T > 0 && std::isfinite(T), "exact chain: temperature T = ", T, " must be positive and finite");
}

// The paths of a set (those reaching a state, or all paths of a run): the log of their summed
// weight, and the mean, variance and entropy of E under P restricted to the set.
struct PathStats {
  double log_w = kNegInf, mean = 0, var = 0, entropy = 0;
};

// The union of disjoint sets of paths: the weights add, and the rest combine as a mixture with
// weights pi_j: means by weight, variances by the law of total variance (no <E^2> - <E>^2
// cancellation), entropies by the chain rule H = sum pi_j (H_j - log pi_j) (no log Z + <E>/T
// cancellation, so S stays accurate however small T is).
template <typename Part>
PathStats merge(int count, const Part& part) {
  double m = kNegInf;
  for (int j = 0; j < count; ++j) m = std::max(m, part(j).log_w);
  if (m == kNegInf) return {};
  // One pass, one exp per part: the weighted mean and spread by West's update, and
  // sum_j w_j (H_j - log w_j) with log w_j = log_w_j - m exactly; then H = that / W + log W.
  double w_sum = 0, mean = 0, spread = 0, h = 0;
  for (int j = 0; j < count; ++j) {
    const PathStats& p = part(j);
    if (p.log_w == kNegInf) continue;
    const double log_w = p.log_w - m, w = std::exp(log_w);
    if (w == 0) continue;
    const double total = w_sum + w, d = p.mean - mean;
    mean += d * w / total;
    spread += w * p.var + d * d * w_sum * w / total;
    h += w * (p.entropy - log_w);
    w_sum = total;
  }
  const double log_w_sum = std::log(w_sum);
  return {m + log_w_sum, mean, spread / w_sum, h / w_sum + log_w_sum};
}

ChainMoments moments_of(const PathStats& p) { return {p.log_w, p.mean, p.var, p.entropy}; }

double log_sum_exp(const std::vector<double>& x) {
  double m = kNegInf;
  for (double v : x) m = std::max(m, v);
  if (m == kNegInf) return m;
  double s = 0;
  for (double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

// The sweeps of one chain whose site energies are `e` ([N * S]; the chain's own, or rotated). A
// run with overlap g >= 0 pins s_0 >> kV and s_{N-1} & (2^(L-kV) - 1) to g (one term of the ring's
// trace); g < 0 is the free chain.
class Sweeps {
 public:
  Sweeps(const SpinChain& c, const double* e, double T)
      : c_(c), e_(e), T_(T), N_(c.steps()), S_(c.states()), B_(c.symbols()), G_(int(c.spec.overlaps())) {}

  int runs() const { return c_.tailbiting() ? G_ : 1; }
  int overlap(int run) const { return c_.tailbiting() ? run : -1; }
  bool starts(int s, int g) const { return g < 0 || (s >> c_.spec.kv()) == g; }
  bool ends(int s, int g) const { return g < 0 || (s & (G_ - 1)) == g; }
  double local(int t, int s) const { return -e_[size_t(t) * S_ + s] / T_; }

  // Forward: la[t*S + s] = log of the summed weight exp(-E_0..t / T) of the path beginnings
  // s_0..s_t = s, each state carrying the statistics of those beginnings. Returns the run's.
  PathStats forward(int g, std::vector<double>& la) const {
    la.assign(size_t(N_) * S_, kNegInf);
    std::vector<PathStats> prev(S_), cur(S_);
    for (int s = 0; s < S_; ++s)
      if (starts(s, g)) prev[s] = {local(0, s), e_[s], 0, 0};
    for (int s = 0; s < S_; ++s) la[s] = prev[s].log_w;
    // All states sharing s >> kV have the same 2^kV predecessors: one merge per group.
    std::vector<PathStats> group(G_);
    for (int t = 1; t < N_; ++t) {
      for (int q = 0; q < G_; ++q)
        group[q] = merge(B_, [&](int j) -> const PathStats& { return prev[c_.predecessor(q << c_.spec.kv(), j)]; });
      for (int s = 0; s < S_; ++s) {
        cur[s] = group[s >> c_.spec.kv()];
        if (cur[s].log_w == kNegInf) continue;
        cur[s].log_w += local(t, s);
        cur[s].mean += e_[size_t(t) * S_ + s];
      }
      std::swap(prev, cur);
      for (int s = 0; s < S_; ++s) la[size_t(t) * S_ + s] = prev[s].log_w;
    }
    const PathStats none;
    return merge(S_, [&](int s) -> const PathStats& { return ends(s, g) ? prev[s] : none; });
  }

  // Backward: lb[t*S + s] = log of the summed weight exp(-E_{t+1..N-1} / T) of the path endings
  // s_t = s..s_{N-1}.
  void backward(int g, std::vector<double>& lb) const {
    lb.assign(size_t(N_) * S_, kNegInf);
    for (int s = 0; s < S_; ++s)
      if (ends(s, g)) lb[size_t(N_ - 1) * S_ + s] = 0;
    // All states sharing s mod 2^(L-kV) have the same 2^kV successors: one sum per group.
    std::vector<double> terms(B_), group(G_);
    for (int t = N_ - 2; t >= 0; --t) {
      for (int r = 0; r < G_; ++r) {
        for (int u = 0; u < B_; ++u) {
          const int n = c_.successor(r, u);
          terms[u] = local(t + 1, n) + lb[size_t(t + 1) * S_ + n];
        }
        group[r] = log_sum_exp(terms);
      }
      for (int s = 0; s < S_; ++s) lb[size_t(t) * S_ + s] = group[s & (G_ - 1)];
    }
  }

  // log Z of the run measured at step t, from the same sums as the marginals there: normalising
  // by it (rather than by the forward's log Z) keeps the marginals summing to 1 to rounding even
  // when the logs are of size E/T = 1e9.
  double log_z_at(int t, const std::vector<double>& la, const std::vector<double>& lb) const {
    std::vector<double> x(S_);
    for (int s = 0; s < S_; ++s) x[s] = la[size_t(t) * S_ + s] + lb[size_t(t) * S_ + s];
    return log_sum_exp(x);
  }

 private:
  const SpinChain& c_;
  const double* e_;
  double T_;
  int N_, S_, B_, G_;
};

// Every run's statistics, and their union (the whole chain).
struct RunStats {
  std::vector<PathStats> runs;
  PathStats all;
};

// `forward`, if given, keeps each run's forward messages.
RunStats run_stats(const Sweeps& sw, std::vector<std::vector<double>>* forward = nullptr) {
  RunStats r;
  std::vector<double> scratch;
  if (forward) forward->resize(size_t(sw.runs()));
  for (int i = 0; i < sw.runs(); ++i)
    r.runs.push_back(sw.forward(sw.overlap(i), forward ? (*forward)[size_t(i)] : scratch));
  r.all = merge(int(r.runs.size()), [&](int i) -> const PathStats& { return r.runs[size_t(i)]; });
  return r;
}

// Adds run g's share of the edge marginals of edge t (s_t -> s_{t+1}), weighted by pi.
void add_edges(const SpinChain& c, const Sweeps& sw, int t, const std::vector<double>& la, const std::vector<double>& lb,
               double log_z_t, double pi, double* out) {
  const int S = c.states(), B = c.symbols();
  for (int p = 0; p < S; ++p) {
    const double a = la[size_t(t) * S + p];
    if (a == kNegInf) continue;
    for (int u = 0; u < B; ++u) {
      const int s = c.successor(p, u);
      // a + (local + lb): the same sum, in the same order, as the backward message that log_z_t holds.
      out[size_t(p) * B + u] += pi * std::exp(a + (sw.local(t + 1, s) + lb[size_t(t + 1) * S + s]) - log_z_t);
    }
  }
}

// The closing edge s_{N-1} -> s_0 of a ring: the first edge of the ring rotated by one step, whose
// runs pin the overlap at another cut.
void closing_edge(const SpinChain& c, double T, ChainPosterior& post) {
  const int N = c.steps(), S = c.states(), B = c.symbols();
  double* out = post.edge_marginals.data() + size_t(N - 1) * S * B;
  if (N == 1) {  // kV = L: the ring of one state steps to itself
    for (int s = 0; s < S; ++s)
      if (c.legal(s, s)) out[size_t(s) * B + (s & (B - 1))] = post.state_marginals[s];
    return;
  }
  std::vector<double> rotated(c.site_energy.size());
  for (int t = 0; t < N; ++t)
    std::copy_n(c.site_energy.data() + size_t((t + N - 1) % N) * S, S, rotated.data() + size_t(t) * S);
  const Sweeps sw(c, rotated.data(), T);
  std::vector<std::vector<double>> la(sw.runs()), lb(sw.runs());
  std::vector<double> log_z(sw.runs());
  for (int r = 0; r < sw.runs(); ++r) {
    const int g = sw.overlap(r);
    la[r].assign(S, kNegInf);  // step 0 only: the closing edge is the rotated ring's first
    for (int p = 0; p < S; ++p)
      if (sw.starts(p, g)) la[r][p] = sw.local(0, p);
    sw.backward(g, lb[r]);
    log_z[r] = sw.log_z_at(0, la[r], lb[r]);
  }
  const double total = log_sum_exp(log_z);
  for (int r = 0; r < sw.runs(); ++r) {
    const double pi = std::exp(log_z[r] - total);
    if (pi >= kNegligible) add_edges(c, sw, 0, la[r], lb[r], log_z[r], pi, out);
  }
}

void derived_marginals(const SpinChain& c, ChainPosterior& post) {
  const int N = c.steps(), S = c.states(), B = c.symbols();
  post.symbol_marginals.assign(size_t(N) * B, 0.0);
  post.site_energy_mean.assign(N, 0.0);
  for (int t = 0; t < N; ++t)
    for (int s = 0; s < S; ++s) {
      const double p = post.state_marginals[size_t(t) * S + s];
      post.symbol_marginals[size_t(t) * B + (s & (B - 1))] += p;
      post.site_energy_mean[t] += p * c.energy(t, s);
    }
  post.bit_marginals.assign(c.bits(), 0.0);
  for (int i = 0; i < c.bits(); ++i) {
    const int t = c.bit_step(i), pos = c.bit_position(i);
    for (int s = 0; s < S; ++s)
      if ((s >> pos) & 1) post.bit_marginals[i] += post.state_marginals[size_t(t) * S + s];
  }
}

}  // namespace

ChainMoments chain_moments(const SpinChain& chain, double T) {
  check_temperature(T);
  return moments_of(run_stats(Sweeps(chain, chain.site_energy.data(), T)).all);
}

int edge_count(const SpinChain& chain) { return chain.steps() - (chain.tailbiting() ? 0 : 1); }

ChainPosterior chain_posterior(const SpinChain& chain, double T) {
  check_temperature(T);
  const int N = chain.steps(), S = chain.states(), B = chain.symbols();
  const Sweeps sw(chain, chain.site_energy.data(), T);
  std::vector<std::vector<double>> forward;
  const RunStats stats = run_stats(sw, &forward);
  ChainPosterior post;
  post.T = T;
  post.moments = moments_of(stats.all);
  post.state_marginals.assign(size_t(N) * S, 0.0);
  post.edge_marginals.assign(size_t(edge_count(chain)) * S * B, 0.0);
  std::vector<double> lb;
  for (int r = 0; r < sw.runs(); ++r) {
    // This run's share of Z bounds what it adds to any marginal: below kNegligible (with at most
    // 2^(L-kV) = 128 runs) everything skipped changes no marginal by more than 2e-16.
    const double pi = std::exp(stats.runs[size_t(r)].log_w - stats.all.log_w);
    if (pi < kNegligible) continue;
    const std::vector<double>& la = forward[size_t(r)];
    sw.backward(sw.overlap(r), lb);
    for (int t = 0; t < N; ++t) {
      const double log_z_t = sw.log_z_at(t, la, lb);
      for (int s = 0; s < S; ++s) {
        const size_t i = size_t(t) * S + s;
        post.state_marginals[i] += pi * std::exp(la[i] + lb[i] - log_z_t);
      }
      if (t + 1 < N) add_edges(chain, sw, t, la, lb, log_z_t, pi, post.edge_marginals.data() + size_t(t) * S * B);
    }
  }
  if (chain.tailbiting()) closing_edge(chain, T, post);
  derived_marginals(chain, post);
  return post;
}

}  // namespace bcjr::physics
