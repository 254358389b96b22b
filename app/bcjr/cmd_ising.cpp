// `bcjr ising`: the exact thermodynamics and marginals of one small tile read as a spin chain
// (engine/physics, docs/PHYSICS.md), printed and optionally written as JSON for other tools.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/bcjr/command.h"
#include "app/bcjr/trellis_options.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/physics/chain_solver.h"
#include "engine/physics/thermodynamics.h"

namespace bcjr::cli {
namespace {

nlohmann::json rows(const std::vector<double>& v, int width) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < v.size(); i += size_t(width)) out.push_back(std::vector<double>(v.begin() + i, v.begin() + i + width));
  return out;
}

int run_ising(Args& args) {
  auto spec = read_trellis_shape(args);
  const auto boundary = trellis::parse_boundary(args.required("boundary"));
  const double T = args.required_real("T");
  const std::string in = args.required("in");
  const auto json_out = args.get("json");
  const auto choice = read_codebook_choice(args);
  args.finish();
  BCJR_CHECK(T > 0 && std::isfinite(T), "--T ", T, " must be positive and finite");
  auto w = load_weights(in, "--in");
  BCJR_CHECK(w.size(0) > 0, "--in ", in, ": no tiles");
  spec.n = int(w.size(1));
  BCJR_CHECK(spec.n % spec.V == 0, "--in ", in, ": tile length ", spec.n, " is not a multiple of --V ", spec.V);
  physics::check_exact_range(spec, boundary);  // before building a codebook
  auto tile = w[0].contiguous();
  std::vector<float> weights(tile.data_ptr<float>(), tile.data_ptr<float>() + spec.n);
  const auto chain = physics::make_spin_chain(spec, boundary, choice.build(spec), std::move(weights));

  const auto post = physics::chain_posterior(chain, T);
  const auto th = physics::thermodynamics(post.moments, T);
  const auto ground = physics::ground_state(chain);
  const int N = chain.steps(), B = chain.symbols();

  std::printf("ising: first of %lld tiles, %s, %s, boundary %s, T=%g\n", (long long)w.size(0), spec.describe().c_str(),
              chain.codebook.describe().c_str(), trellis::boundary_name(boundary), T);
  std::printf("log Z = %.12g\nF = -T log Z = %.12g\n<E> = %.12g\nS = (<E> - F)/T = %.12g\nC = Var(E)/T^2 = %.12g\n",
              th.log_z, th.free_energy, th.energy, th.entropy, th.heat_capacity);
  std::printf("ground state (Viterbi, %s): E = %.12g, states", ground.method.c_str(), ground.energy);
  for (int s : ground.states) std::printf(" %d", s);
  std::printf("\nsymbol marginals P(u_t = u), one step per line, u = 0..%d:\n", B - 1);
  for (int t = 0; t < N; ++t) {
    std::printf("  t=%-2d", t);
    for (int u = 0; u < B; ++u) std::printf(" %.6f", post.symbol_marginals[size_t(t) * B + u]);
    std::printf("\n");
  }

  if (json_out) {
    nlohmann::json j;
    j["L"] = spec.L;
    j["k"] = spec.k;
    j["V"] = spec.V;
    j["n"] = spec.n;
    j["boundary"] = trellis::boundary_name(boundary);
    j["codebook"] = chain.codebook.describe();
    j["T"] = T;
    j["logZ"] = th.log_z;
    j["F"] = th.free_energy;
    j["E"] = th.energy;
    j["S"] = th.entropy;
    j["C"] = th.heat_capacity;
    j["symbol_marginals"] = rows(post.symbol_marginals, B);
    j["state_marginals"] = rows(post.state_marginals, chain.states());
    j["site_energy_mean"] = post.site_energy_mean;
    std::vector<double> m(post.bit_marginals.size());
    for (size_t i = 0; i < m.size(); ++i) m[i] = 2 * post.bit_marginals[i] - 1;
    j["bit_magnetisation"] = m;
    j["ground_state"] = {{"states", ground.states}, {"energy", ground.energy}, {"method", ground.method}};
    write_file_atomic(*json_out, j.dump(1) + "\n");
  }
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "ising", "exact thermodynamics and marginals of one small tile read as a spin chain",
    "usage: bcjr ising --L L --k K --V V (--code C [--seed S] | --lut cb.npy)\n"
    "                  --boundary free|tailbiting --in w.npy --T T [--json out.json]\n\n"
    "Sums over every path of the first tile of --in (float32 [tiles, n]) under P(path) ~ exp(-E/T),\n"
    "E = sum_t ||c(s_t) - w_t||^2, and prints log Z, F = -T log Z, <E>, S = (<E> - F)/T,\n"
    "C = Var(E)/T^2, the ground state and the symbol marginals. Tail-biting is the closed ring (the\n"
    "trace of the product of the transfer matrices). Exact, so only for small trellises: L 2..8,\n"
    "k 1..2, V 1..2, n <= 32; `bcjr soft` computes BCJR marginals at any size.\n"
    "--json writes logZ, F, E, S, C, T, symbol_marginals [N][2^kV], state_marginals [N][2^L],\n"
    "site_energy_mean [N], bit_magnetisation [bits] (2 P(b_i = 1) - 1) and ground_state.\n",
    run_ising});

}  // namespace
}  // namespace bcjr::cli
