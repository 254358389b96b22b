// Obviously-right references for the trellis tests, in double precision: exhaustive enumeration
// of every path (tiny trellises) and a textbook forward-backward with an explicit loop over each
// state's predecessors (medium trellises). Slow on purpose; nothing here shares code with the engine.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis::ref {

struct Enumerated {
  double min_energy = std::numeric_limits<double>::infinity();
  std::vector<int> best_path;
  double log_z = 0;
  std::vector<double> codeword, marginals, grad;  // [n], [N * 2^kV], [n]
  std::vector<std::pair<double, std::vector<int>>> energies;  // only when keep_paths
};

inline double path_energy(const TrellisSpec& sp, const Codebook& cb, const float* w, const std::vector<int>& path) {
  double e = 0;
  for (int t = 0; t < sp.steps(); ++t)
    for (int v = 0; v < sp.V; ++v) {
      const double d = double(cb.table[size_t(path[t]) * sp.V + v]) - w[t * sp.V + v];
      e += d * d;
    }
  return e;
}

// Calls f(path) for every legal path. overlap >= 0 restricts tail-biting paths to that overlap.
inline void for_each_path(const TrellisSpec& sp, Boundary boundary, int overlap,
                          const std::function<void(const std::vector<int>&)>& f) {
  const int N = sp.steps(), kv = sp.kv();
  const int64_t S = sp.states(), B = sp.symbols(), G = sp.overlaps();
  std::vector<int> path(N);
  std::function<void(int)> rec = [&](int t) {
    if (t == N) {
      if (boundary == Boundary::TailBiting) {
        if ((path[0] >> kv) != (path[N - 1] & (G - 1))) return;
        if (overlap >= 0 && (path[0] >> kv) != overlap) return;
      }
      f(path);
      return;
    }
    for (int64_t u = 0; u < B; ++u) {
      path[t] = int(((int64_t(path[t - 1]) << kv) | u) & (S - 1));
      rec(t + 1);
    }
  };
  for (int64_t s0 = 0; s0 < S; ++s0) {
    path[0] = int(s0);
    rec(1);
  }
}

inline Enumerated enumerate(const TrellisSpec& sp, const Codebook& cb, const float* w, double T, Boundary boundary,
                            int overlap = -1, const float* g = nullptr, bool keep_paths = false) {
  Enumerated r;
  const int N = sp.steps(), V = sp.V, B = sp.symbols();
  for_each_path(sp, boundary, overlap, [&](const std::vector<int>& p) {
    const double e = path_energy(sp, cb, w, p);
    if (e < r.min_energy) {
      r.min_energy = e;
      r.best_path = p;
    }
    if (keep_paths) r.energies.push_back({e, p});
  });
  r.codeword.assign(sp.n, 0);
  r.marginals.assign(size_t(N) * B, 0);
  std::vector<double> gc(sp.n, 0);
  double z = 0, eg = 0;
  for_each_path(sp, boundary, overlap, [&](const std::vector<int>& p) {
    const double wt = std::exp(-(path_energy(sp, cb, w, p) - r.min_energy) / T);
    z += wt;
    double G = 0;
    for (int t = 0; t < N; ++t) {
      r.marginals[size_t(t) * B + (p[t] & (B - 1))] += wt;
      for (int v = 0; v < V; ++v) {
        const double c = cb.table[size_t(p[t]) * V + v];
        r.codeword[t * V + v] += wt * c;
        if (g) G += double(g[t * V + v]) * c;
      }
    }
    if (g) {
      eg += wt * G;
      for (int t = 0; t < N; ++t)
        for (int v = 0; v < V; ++v) gc[t * V + v] += wt * G * cb.table[size_t(p[t]) * V + v];
    }
  });
  r.log_z = std::log(z) - r.min_energy / T;
  for (double& v : r.codeword) v /= z;
  for (double& v : r.marginals) v /= z;
  if (g) {
    r.grad.resize(sp.n);
    for (int i = 0; i < sp.n; ++i) r.grad[i] = (2.0 / T) * (gc[i] / z - (eg / z) * r.codeword[i]);
  }
  return r;
}

// Textbook forward-backward in double, log domain, explicit predecessor and successor loops.
struct ForwardBackward {
  double log_z = 0;
  std::vector<double> codeword, marginals;  // [n], [N * 2^kV]
};

inline double lse(const std::vector<double>& x) {
  double m = -std::numeric_limits<double>::infinity();
  for (double v : x) m = std::max(m, v);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

inline ForwardBackward forward_backward(const TrellisSpec& sp, const Codebook& cb, const double* w, double T,
                                        int overlap = -1) {
  const int N = sp.steps(), V = sp.V, kv = sp.kv();
  const int64_t S = sp.states(), B = sp.symbols(), G = sp.overlaps();
  const double ninf = -std::numeric_limits<double>::infinity();
  auto local = [&](int t, int64_t s) {
    double d = 0;
    for (int v = 0; v < V; ++v) {
      const double e = double(cb.table[size_t(s) * V + v]) - w[t * V + v];
      d += e * e;
    }
    return -d / T;
  };
  std::vector<std::vector<double>> a(N, std::vector<double>(S)), b(N, std::vector<double>(S));
  for (int64_t s = 0; s < S; ++s) a[0][s] = (overlap < 0 || (s >> kv) == overlap) ? local(0, s) : ninf;
  for (int t = 1; t < N; ++t)
    for (int64_t s = 0; s < S; ++s) {
      std::vector<double> terms;
      for (int64_t p = 0; p < S; ++p)
        if ((((p << kv) & (S - 1)) | (s & (B - 1))) == s) terms.push_back(a[t - 1][p]);  // p -> s legal
      a[t][s] = local(t, s) + lse(terms);
    }
  for (int64_t s = 0; s < S; ++s) b[N - 1][s] = (overlap < 0 || (s & (G - 1)) == overlap) ? 0.0 : ninf;
  for (int t = N - 2; t >= 0; --t)
    for (int64_t s = 0; s < S; ++s) {
      std::vector<double> terms;
      for (int64_t u = 0; u < B; ++u) {
        const int64_t n2 = ((s << kv) | u) & (S - 1);
        terms.push_back(local(t + 1, n2) + b[t + 1][n2]);
      }
      b[t][s] = lse(terms);
    }
  ForwardBackward r;
  std::vector<double> last(S);
  for (int64_t s = 0; s < S; ++s) last[s] = a[N - 1][s] + b[N - 1][s];
  r.log_z = lse(last);
  r.codeword.assign(sp.n, 0);
  r.marginals.assign(size_t(N) * B, 0);
  for (int t = 0; t < N; ++t)
    for (int64_t s = 0; s < S; ++s) {
      const double p = std::exp(a[t][s] + b[t][s] - r.log_z);
      r.marginals[size_t(t) * B + (s & (B - 1))] += p;
      for (int v = 0; v < V; ++v) r.codeword[t * V + v] += p * cb.table[size_t(s) * V + v];
    }
  return r;
}

// The VJP by central differences of the double forward-backward: sum_t <g_t, d codeword_t / d w_i>.
inline std::vector<double> vjp_by_differences(const TrellisSpec& sp, const Codebook& cb, const float* w, const float* g,
                                              double T, int overlap = -1, double eps = 1e-5) {
  std::vector<double> wd(w, w + sp.n), out(sp.n);
  for (int i = 0; i < sp.n; ++i) {
    const double keep = wd[i];
    wd[i] = keep + eps;
    auto plus = forward_backward(sp, cb, wd.data(), T, overlap).codeword;
    wd[i] = keep - eps;
    auto minus = forward_backward(sp, cb, wd.data(), T, overlap).codeword;
    wd[i] = keep;
    double s = 0;
    for (int j = 0; j < sp.n; ++j) s += double(g[j]) * (plus[j] - minus[j]) / (2 * eps);
    out[i] = s;
  }
  return out;
}

// A fresh seed per run, printed by the tests so that a failure can be replayed.
inline uint64_t fresh_seed() {
  std::random_device rd;
  return (uint64_t(rd()) << 32) ^ rd();
}

}  // namespace bcjr::trellis::ref
