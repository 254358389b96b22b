// bench/physics_chain: how long the exact spin chain of engine/physics takes at the sizes the
// Learn tab and `bcjr ising` offer (up to the limit, L = 8, n = 32), one thread, against the
// float32 trellis BCJR (engine/trellis, exact tail-biting, one tile) on the same tile in the same
// run. The Learn tab recomputes a posterior on every T or weight change and the 61-point curve on
// every weight change.
//   usage: physics_chain [--repeat N]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/core/runtime.h"
#include "engine/physics/chain_solver.h"
#include "engine/physics/thermodynamics.h"
#include "engine/trellis/bcjr.h"

using namespace bcjr;
using Clock = std::chrono::steady_clock;

namespace {

template <typename F>
double best_ms(int repeat, F&& f) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[i + 1]));
  set_thread_count(1);
  std::printf("physics_chain: one thread, best of %d; T = 0.1; curve = 61 temperatures\n", repeat);
  std::printf("%-26s %-10s %12s %12s %12s %14s\n", "trellis", "boundary", "posterior ms", "moments ms",
              "curve ms", "trellis BCJR ms");
  const trellis::TrellisSpec specs[] = {{4, 1, 1, 16}, {6, 1, 1, 32}, {8, 1, 1, 32}, {8, 2, 1, 32}, {8, 2, 2, 32}};
  for (const auto& spec : specs)
    for (auto b : {trellis::Boundary::Free, trellis::Boundary::TailBiting}) {
      auto cb = trellis::make_codebook(spec.V == 2 ? "hyb" : "1mad", spec.L, spec.V);
      auto w = physics::gaussian_tile(cb, spec.n, 1);
      const auto chain = physics::make_spin_chain(spec, b, cb, w);
      const auto temps = physics::log_spaced_temperatures(1e-3, 10, 61);
      const double post = best_ms(repeat, [&] { physics::chain_posterior(chain, 0.1); });
      const double mom = best_ms(repeat, [&] { physics::chain_moments(chain, 0.1); });
      const double curve = best_ms(std::max(1, repeat / 2), [&] { physics::thermodynamic_curve(chain, temps); });
      trellis::BcjrOptions opt;
      opt.T = 0.1;
      opt.boundary = b;
      opt.tailbiting = trellis::BcjrTailBiting::Exact;
      opt.symbol_marginals = true;
      auto wt = torch::from_blob(w.data(), {1, spec.n}, torch::kFloat32).clone();
      const double ref = best_ms(repeat, [&] { trellis::bcjr_forward(wt, spec, cb, opt); });
      std::printf("%-26s %-10s %12.2f %12.2f %12.1f %14.2f\n", spec.describe().c_str(), trellis::boundary_name(b), post,
                  mom, curve, ref);
    }
  return 0;
}
