// `bcjr soft`: the BCJR soft codeword at temperature T, its VJP, and symbol marginals.
#include <torch/torch.h>

#include <cstdio>

#include "app/bcjr/command.h"
#include "app/bcjr/trellis_options.h"
#include "engine/core/error.h"
#include "engine/core/npy_tensor.h"
#include "engine/trellis/bcjr.h"

namespace bcjr::cli {
namespace {

int run_soft(Args& args) {
  auto spec = read_trellis_shape(args);
  trellis::BcjrOptions opt;
  opt.boundary = trellis::parse_boundary(args.required("boundary"));
  opt.T = args.required_real("T");
  const std::string in = args.required("in"), out = args.required("out");
  const auto grad_in = args.get("grad-in"), grad_out = args.get("grad-out"), marg_out = args.get("marginals");
  const auto choice = read_codebook_choice(args);
  const auto device = read_device(args);
  args.finish();
  BCJR_CHECK(opt.T > 0 && std::isfinite(opt.T), "--T ", opt.T, " must be positive and finite");
  BCJR_CHECK(grad_in.has_value() == grad_out.has_value(), "--grad-in and --grad-out go together");
  auto w = load_weights(in, "--in");
  spec.n = int(w.size(1));
  BCJR_CHECK(spec.n % spec.V == 0, "--in ", in, ": tile length ", spec.n, " is not a multiple of --V ", spec.V);
  spec.validate(opt.boundary);
  torch::Tensor g;
  if (grad_in) {
    g = load_weights(*grad_in, "--grad-in");
    BCJR_CHECK(g.sizes() == w.sizes(), "--grad-in ", *grad_in, ": shape ", g.sizes(), " differs from --in ", w.sizes());
  }
  opt.symbol_marginals = marg_out.has_value();
  const auto cb = choice.build(spec);

  const int64_t tiles = w.size(0);
  auto soft = torch::empty_like(w);
  torch::Tensor dw = grad_in ? torch::empty_like(w) : torch::Tensor();
  torch::Tensor marg = marg_out ? torch::empty({tiles, spec.steps(), spec.symbols()}) : torch::Tensor();
  for_each_chunk("bcjr", tiles, [&](int64_t b, int64_t e) {
    auto wc = w.slice(0, b, e).to(device);
    auto r = grad_in ? trellis::bcjr_vjp(wc, g.slice(0, b, e).to(device), spec, cb, opt)
                     : trellis::bcjr_forward(wc, spec, cb, opt);
    soft.slice(0, b, e).copy_(r.codeword.cpu());
    if (grad_in) dw.slice(0, b, e).copy_(r.grad_w.cpu());
    if (marg_out) marg.slice(0, b, e).copy_(r.symbol_marginals.cpu());
  });
  save_npy_tensor(out, soft);
  if (grad_out) save_npy_tensor(*grad_out, dw);
  if (marg_out) save_npy_tensor(*marg_out, marg);
  std::printf("soft: %lld tiles, %s, %s, T=%g, %s\n", (long long)tiles, spec.describe().c_str(), cb.describe().c_str(),
              opt.T, trellis::bcjr_method(spec, opt.boundary, opt.tailbiting).c_str());
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "soft", "BCJR soft codeword at temperature T, its exact VJP and symbol marginals",
    "usage: bcjr soft --L L --k K --V V (--code C [--seed S] | --lut cb.npy)\n"
    "                 --boundary free|tailbiting --T T --in w.npy --out soft.npy\n"
    "                 [--grad-in g.npy --grad-out dw.npy] [--marginals m.npy] [--device cpu|cuda]\n\n"
    "Writes the soft codeword E_P[c(s_t)] under P(path) ~ exp(-E/T) (same shape as --in), with\n"
    "--grad-in the vector-Jacobian product for upstream gradient g, with --marginals the per-step\n"
    "symbol marginals float32 [tiles, n/V, 2^kV]. Tail-biting: exact over all overlaps where\n"
    "2^(L-kV) <= 256, else conditioned on the overlap of the tail-biting Viterbi path.\n",
    run_soft});

}  // namespace
}  // namespace bcjr::cli
