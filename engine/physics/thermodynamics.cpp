#include "engine/physics/thermodynamics.h"

#include <cmath>

#include "engine/core/error.h"

namespace bcjr::physics {

Thermodynamics thermodynamics(const ChainMoments& m, double T) {
  Thermodynamics t;
  t.T = T;
  t.log_z = m.log_z;
  t.free_energy = -T * m.log_z;
  t.energy = m.mean_energy;
  // (<E> - F) / T, which is the Gibbs entropy -sum P log P: taken from the sweep, where it is summed
  // without the cancellation of two terms of size E/T that log Z + <E>/T would suffer at small T.
  t.entropy = m.entropy;
  t.heat_capacity = m.energy_variance / (T * T);
  return t;
}

Thermodynamics thermodynamics(const SpinChain& chain, double T) { return thermodynamics(chain_moments(chain, T), T); }

std::vector<Thermodynamics> thermodynamic_curve(const SpinChain& chain, const std::vector<double>& temperatures,
                                                ProgressReporter* progress) {
  ProgressStage stage(progress, "thermodynamics", int64_t(temperatures.size()), 0.0);
  std::vector<Thermodynamics> out;
  out.reserve(temperatures.size());
  for (double T : temperatures) {
    out.push_back(thermodynamics(chain, T));
    stage.advance();
  }
  return out;
}

std::vector<double> log_spaced_temperatures(double lo, double hi, int count) {
  BCJR_CHECK(count >= 2, "temperature grid: ", count, " points, expected at least 2");
  BCJR_CHECK(lo > 0 && hi > lo && std::isfinite(hi), "temperature grid: expected 0 < lo < hi, got ", lo, " .. ", hi);
  std::vector<double> t(static_cast<size_t>(count));
  const double a = std::log(lo), b = std::log(hi);
  for (int i = 0; i < count; ++i) t[size_t(i)] = std::exp(a + (b - a) * i / (count - 1));
  t.front() = lo;
  t.back() = hi;
  return t;
}

}  // namespace bcjr::physics
