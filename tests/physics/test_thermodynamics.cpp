// The thermodynamic identities of the exact chain, by finite differences of the exact log Z:
// <E> = T^2 d(log Z)/dT, S = -dF/dT, C = d<E>/dT = Var(E)/T^2, and F = <E> - T S; the curve over T
// and its cancellation.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/physics/thermodynamics.h"
#include "tests/physics/random_chain.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr::physics;
using namespace bcjr::physics::testing;
using bcjr::trellis::Boundary;

TEST(Thermodynamics, IdentitiesHoldByFiniteDifferences) {
  const uint64_t seed = bcjr::trellis::ref::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const bcjr::trellis::TrellisSpec specs[] = {{4, 1, 1, 12}, {6, 2, 1, 16}, {5, 1, 2, 12}, {8, 2, 2, 32}};
  for (const auto& spec : specs)
    for (Boundary b : {Boundary::Free, Boundary::TailBiting}) {
      const SpinChain c = random_chain(spec, b, rng);
      for (double T : {0.03, 0.2, 1.0, 4.0}) {
        SCOPED_TRACE(spec.describe() + " " + bcjr::trellis::boundary_name(b) + " T=" + std::to_string(T));
        const Thermodynamics th = thermodynamics(c, T);
        const double h = 1e-4 * T;
        const Thermodynamics lo = thermodynamics(c, T - h), hi = thermodynamics(c, T + h);
        const double dlogz = (hi.log_z - lo.log_z) / (2 * h), df = (hi.free_energy - lo.free_energy) / (2 * h);
        const double de = (hi.energy - lo.energy) / (2 * h);
        EXPECT_NEAR(th.free_energy, th.energy - T * th.entropy, 1e-10 * std::max(1.0, std::abs(th.energy)));
        EXPECT_NEAR(T * T * dlogz, th.energy, 1e-6 * std::max(1.0, th.energy));
        EXPECT_NEAR(-df, th.entropy, 1e-6 * std::max(1.0, th.entropy));
        EXPECT_NEAR(de, th.heat_capacity, 1e-5 * std::max(1.0, th.heat_capacity));
        EXPECT_GE(th.heat_capacity, 0.0);
        EXPECT_GE(th.entropy, -1e-9);
      }
    }
}

TEST(Thermodynamics, CurveIsThePointwiseValuesAndCanBeCancelled) {
  std::mt19937_64 rng(bcjr::trellis::ref::fresh_seed());
  const SpinChain c = random_chain({5, 1, 1, 16}, Boundary::TailBiting, rng);
  const auto temps = log_spaced_temperatures(1e-3, 10, 41);
  ASSERT_EQ(temps.size(), 41u);
  EXPECT_DOUBLE_EQ(temps.front(), 1e-3);
  EXPECT_DOUBLE_EQ(temps.back(), 10);
  EXPECT_NEAR(temps[20], std::sqrt(1e-3 * 10), 1e-12);
  const auto curve = thermodynamic_curve(c, temps);
  ASSERT_EQ(curve.size(), temps.size());
  for (size_t i = 0; i < temps.size(); i += 10) {
    const Thermodynamics p = thermodynamics(c, temps[i]);
    EXPECT_EQ(curve[i].T, temps[i]);
    EXPECT_EQ(curve[i].log_z, p.log_z);
    EXPECT_EQ(curve[i].heat_capacity, p.heat_capacity);
  }
  // The entropy grows with T (C = T dS/dT >= 0) from ~0 (frozen) towards log of the path count.
  for (size_t i = 1; i < curve.size(); ++i) EXPECT_GE(curve[i].entropy, curve[i - 1].entropy - 1e-9);
  EXPECT_LT(curve.front().entropy, 0.05);

  struct StopAfter : bcjr::ProgressReporter {
    int calls = 0;
    bool report(const bcjr::ProgressEvent&) override { return ++calls < 3; }
  } stop;
  EXPECT_THROW(thermodynamic_curve(c, temps, &stop), bcjr::Cancelled);
  EXPECT_EQ(stop.calls, 3);  // asked after every temperature, stopped at the third
  EXPECT_THROW(log_spaced_temperatures(0, 1, 5), bcjr::Error);
  EXPECT_THROW(thermodynamics(c, 0.0), bcjr::Error);
  EXPECT_THROW(thermodynamics(c, std::nan("")), bcjr::Error);
}
