// `bcjr posterior`: the posterior of one tile under the BCJR distribution (symbol marginals, soft
// codeword and its variance, the Viterbi path) at a temperature, or its thermodynamics over a list
// of temperatures: the same engine service as the studio's posterior view
// (engine/physics/tile_posterior_view.h).
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "app/bcjr/command.h"
#include "app/bcjr/trellis_options.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/physics/tile_posterior_view.h"
#include "engine/trellis/bcjr.h"

namespace bcjr::cli {
namespace {

std::vector<double> parse_temperatures(const std::string& list) {
  std::vector<double> out;
  std::istringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const double T = std::strtod(item.c_str(), &end);
    BCJR_CHECK(!item.empty() && end && *end == '\0' && T > 0 && std::isfinite(T), "--temperatures: '", item,
               "' is not a positive number");
    out.push_back(T);
  }
  BCJR_CHECK(!out.empty(), "--temperatures: empty list");
  return out;
}

int run_posterior(Args& args) {
  auto spec = read_trellis_shape(args);
  const trellis::Boundary boundary = trellis::parse_boundary(args.required("boundary"));
  const auto T = args.get("T"), temps = args.get("temperatures"), in = args.get("in"), out = args.get("out");
  const int64_t tile = args.integer("tile", 0);
  const int64_t gaussian = args.integer("gaussian", -1);
  const int64_t n = args.integer("n", 256);
  const auto choice = read_codebook_choice(args);
  args.finish();
  BCJR_CHECK(T.has_value() != temps.has_value(), "give exactly one of --T and --temperatures");
  BCJR_CHECK(in.has_value() != (gaussian >= 0), "give exactly one of --in and --gaussian SEED");

  physics::TileProblem p;
  p.spec = spec;
  p.boundary = boundary;
  if (in) {
    auto w = load_weights(*in, "--in");
    BCJR_CHECK(tile >= 0 && tile < w.size(0), "--tile ", tile, ": --in ", *in, " has ", w.size(0), " tiles");
    p.spec.n = int(w.size(1));
    auto row = w[tile].contiguous();
    p.weights.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
    p.label = *in + ", tile " + std::to_string(tile);
  } else {
    BCJR_CHECK(n > 0 && n <= 65536, "--n ", n, " is outside 1..65536");
    p.spec.n = int(n);
  }
  BCJR_CHECK(p.spec.n % spec.V == 0, "tile length ", p.spec.n, " is not a multiple of --V ", spec.V);
  p.spec.validate(boundary);
  p.codebook = std::make_shared<const trellis::Codebook>(choice.build(p.spec));
  if (!in) {
    p.weights = physics::gaussian_tile(*p.codebook, p.spec.n, uint64_t(gaussian));
    p.label = "Gaussian tile (seed " + std::to_string(gaussian) + ")";
  }

  nlohmann::json j;
  if (T) {
    const double t = std::strtod(T->c_str(), nullptr);
    BCJR_CHECK(t > 0 && std::isfinite(t), "--T ", *T, " must be positive and finite");
    const physics::TilePosteriorView v = physics::tile_posterior_view(p, t);
    j = {{"label", v.label},   {"T", v.T},           {"method", v.method},     {"steps", v.steps},
         {"symbols", v.symbols}, {"V", v.V},         {"log_z", v.log_z},       {"marginals", v.marginals},
         {"mean", v.mean},     {"variance", v.variance}, {"target", v.target}, {"viterbi_symbols", v.viterbi_symbols}};
    std::printf("posterior of %s: %s, %s, T=%g, %s, log Z %.6f\n", v.label.c_str(), p.spec.describe().c_str(),
                p.codebook->describe().c_str(), t, v.method.c_str(), v.log_z);
  } else {
    const physics::TileThermodynamics th = physics::tile_thermodynamics(p, parse_temperatures(*temps));
    j = {{"label", th.label},
         {"method", trellis::bcjr_method(p.spec, boundary, trellis::BcjrTailBiting::Auto)},
         {"temperature", th.temperature},
         {"free_energy", th.free_energy},
         {"energy", th.energy}};
    std::printf("thermodynamics of %s: %s, %s\n%12s %14s %14s\n", th.label.c_str(), p.spec.describe().c_str(),
                p.codebook->describe().c_str(), "T", "F = -T log Z", "<E>");
    for (size_t i = 0; i < th.temperature.size(); ++i)
      std::printf("%12.5g %14.6g %14.6g\n", th.temperature[i], th.free_energy[i], th.energy[i]);
  }
  if (out) write_file_atomic(*out, j.dump(1) + "\n");
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "posterior", "one tile's BCJR posterior at T, or its free and mean energy over temperatures",
    "usage: bcjr posterior --L L --k K --V V (--code C [--seed S] | --lut cb.npy) --boundary free|tailbiting\n"
    "                      (--T T | --temperatures T1,T2,...) (--gaussian SEED [--n N] | --in w.npy [--tile I])\n"
    "                      [--out FILE.json]\n\n"
    "The posterior of one tile under P(path) ~ exp(-E/T): per step the symbol marginals, the mean and\n"
    "variance of the codeword, and the Viterbi path; with --temperatures the free energy F = -T log Z\n"
    "and the mean energy <E> at each T instead. The tile is a row of --in (float32 [tiles, n] .npy) or\n"
    "n Gaussian weights at 0.9 x the codebook's RMS. Tail-biting is exact over all overlaps where\n"
    "2^(L-kV) <= 256 (as in training), else conditioned on the Viterbi path's overlap. This is the\n"
    "studio's posterior view, as numbers.\n",
    run_posterior});

}  // namespace
}  // namespace bcjr::cli
