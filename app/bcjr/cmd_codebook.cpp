// `bcjr codebook`: writes a code's [2^L, V] table as .npy.
#include <cstdio>

#include "app/bcjr/command.h"
#include "app/bcjr/trellis_options.h"
#include "engine/core/error.h"
#include "engine/core/npy_tensor.h"

namespace bcjr::cli {
namespace {

int run_codebook(Args& args) {
  const auto spec = read_trellis_shape(args);
  const std::string out = args.required("out");
  BCJR_CHECK(!args.has("lut"), "bcjr codebook computes a code: use --code, not --lut");
  const auto choice = read_codebook_choice(args);
  args.finish();
  const auto cb = choice.build(spec);
  save_npy_tensor(out, cb.table_tensor());
  std::printf("codebook %s: %lld x %d, RMS %.6f -> %s\n", cb.describe().c_str(), (long long)cb.states(), cb.V,
              double(cb.rms()), out.c_str());
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "codebook", "write a trellis code's [2^L, V] table as .npy",
    "usage: bcjr codebook --L L --k K --V V --code 1mad|3inst|hyb [--seed S] --out cb.npy\n\n"
    "Writes the float32 [2^L, V] table of the code. 1mad and 3inst (V=1) follow their formulas\n"
    "unscaled (RMS about 1.00 and 1.24); hyb (V=2) uses a 512-entry LUT from seeded k-means on\n"
    "2-D normal samples (--seed, default 0), scaled to RMS 1 over all 2^L states.\n",
    run_codebook});

}  // namespace
}  // namespace bcjr::cli
