// The thermodynamics of a small SpinChain from its exact moments (docs/PHYSICS.md): free energy
// F = -T log Z, mean energy <E>, entropy S = (<E> - F) / T and heat capacity C = Var(E) / T^2, in
// the raw units of the trellis energy (squared error; T in the same units, Boltzmann constant 1).
#pragma once

#include <vector>

#include "engine/core/progress.h"
#include "engine/physics/chain_solver.h"

namespace bcjr::physics {

struct Thermodynamics {
  double T = 0;
  double log_z = 0;
  double free_energy = 0;    // F = -T log Z
  double energy = 0;         // <E>
  double entropy = 0;        // S = (<E> - F) / T = -sum P log P
  double heat_capacity = 0;  // C = Var(E) / T^2 = d<E>/dT
};

Thermodynamics thermodynamics(const ChainMoments& m, double T);
Thermodynamics thermodynamics(const SpinChain& chain, double T);

// The same at every temperature given (each > 0). `progress`, if given, is asked after every
// temperature and may cancel (bcjr::Cancelled).
std::vector<Thermodynamics> thermodynamic_curve(const SpinChain& chain, const std::vector<double>& temperatures,
                                                ProgressReporter* progress = nullptr);

// count temperatures from lo to hi, equally spaced in log T (count >= 2, 0 < lo < hi).
std::vector<double> log_spaced_temperatures(double lo, double hi, int count);

}  // namespace bcjr::physics
