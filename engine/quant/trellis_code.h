// QuantParams made live: the trellis spec, the codebook (built once and shared by every linear
// and by the soft-quantise op), the boundary, and the RMS the normalised weights are scaled to.
#pragma once

#include <memory>

#include "engine/quant/quant_params.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::quant {

struct TrellisCode {
  QuantParams params;
  trellis::TrellisSpec spec;
  std::shared_ptr<const trellis::Codebook> codebook;
  trellis::Boundary boundary = trellis::Boundary::TailBiting;
  trellis::BcjrTailBiting bcjr_tailbiting = trellis::BcjrTailBiting::Auto;  // params.tailbiting_bcjr
  double target_rms = 0;  // rms_factor * codebook RMS: the RMS of the normalised weights

  static TrellisCode make(const QuantParams& p);
  // BCJR options at temperature T with this code's boundary and tail-biting method.
  trellis::BcjrOptions bcjr_options(double T) const;
  // With a codebook read from a file (a packed export's LUT) instead of one computed from p.
  static TrellisCode make(const QuantParams& p, std::shared_ptr<const trellis::Codebook> codebook);
};

}  // namespace bcjr::quant
