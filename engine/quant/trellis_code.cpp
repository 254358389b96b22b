#include "engine/quant/trellis_code.h"

namespace bcjr::quant {

TrellisCode TrellisCode::make(const QuantParams& p) {
  p.validate();
  TrellisCode c;
  c.params = p;
  c.spec = p.spec();
  c.codebook = std::make_shared<const trellis::Codebook>(trellis::make_codebook(p.code, p.L, p.V, p.codebook_seed));
  c.boundary = trellis::parse_boundary(p.boundary);
  c.bcjr_tailbiting = p.tailbiting_bcjr == "exact"           ? trellis::BcjrTailBiting::Exact
                      : p.tailbiting_bcjr == "fixed-overlap" ? trellis::BcjrTailBiting::FixedOverlap
                                                             : trellis::BcjrTailBiting::Auto;
  c.target_rms = p.rms_factor * double(c.codebook->rms());
  return c;
}

trellis::BcjrOptions TrellisCode::bcjr_options(double T) const {
  trellis::BcjrOptions o;
  o.T = T;
  o.boundary = boundary;
  o.tailbiting = bcjr_tailbiting;
  return o;
}

}  // namespace bcjr::quant
