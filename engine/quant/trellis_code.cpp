#include "engine/quant/trellis_code.h"

#include "engine/core/error.h"

namespace bcjr::quant {

TrellisCode TrellisCode::make(const QuantParams& p) {
  p.validate();
  return make(p, std::make_shared<const trellis::Codebook>(trellis::make_codebook(p.code, p.L, p.V, p.codebook_seed)));
}

TrellisCode TrellisCode::make(const QuantParams& p, std::shared_ptr<const trellis::Codebook> codebook) {
  p.validate();
  BCJR_CHECK(codebook && codebook->L == p.L && codebook->V == p.V && codebook->code == p.code, "trellis code ",
             p.code, ": the codebook given does not match L = ", p.L, ", V = ", p.V);
  TrellisCode c;
  c.params = p;
  c.spec = p.spec();
  c.codebook = std::move(codebook);
  c.boundary = trellis::parse_boundary(p.boundary);
  c.bcjr_tailbiting = trellis::parse_bcjr_tailbiting(p.tailbiting_bcjr);
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
