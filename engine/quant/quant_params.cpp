#include "engine/quant/quant_params.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/quant/tiles.h"

namespace bcjr::quant {

trellis::TrellisSpec QuantParams::spec() const {
  trellis::TrellisSpec s;
  s.L = L;
  s.k = k;
  s.V = V;
  s.n = int(kTileSize);
  return s;
}

void QuantParams::validate() const {
  spec().validate(trellis::parse_boundary(boundary));
  BCJR_CHECK(tailbiting_bcjr == "auto" || tailbiting_bcjr == "exact" || tailbiting_bcjr == "fixed-overlap",
             "quantisation: --tailbiting-bcjr '", tailbiting_bcjr, "' (expected auto, exact or fixed-overlap)");
  BCJR_CHECK(std::isfinite(rms_factor) && rms_factor > 0, "quantisation: --rms-factor ", rms_factor, " must be > 0");
}

nlohmann::json QuantParams::to_json() const {
  return {{"L", L}, {"k", k}, {"V", V}, {"code", code}, {"codebook_seed", codebook_seed},
          {"boundary", boundary}, {"tailbiting_bcjr", tailbiting_bcjr}, {"rms_factor", rms_factor}, {"tile", {kTileSide, kTileSide}}};
}

QuantParams QuantParams::from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object(), source, ": quantisation parameters must be a JSON object");
  QuantParams p;
  try {
    p.L = j.value("L", p.L);
    p.k = j.value("k", p.k);
    p.V = j.value("V", p.V);
    p.code = j.value("code", p.code);
    p.codebook_seed = j.value("codebook_seed", p.codebook_seed);
    p.boundary = j.value("boundary", p.boundary);
    p.tailbiting_bcjr = j.value("tailbiting_bcjr", p.tailbiting_bcjr);
    p.rms_factor = j.value("rms_factor", p.rms_factor);
  } catch (const std::exception& e) {
    fail(source, ": quantisation parameters: ", e.what());
  }
  p.validate();
  return p;
}

}  // namespace bcjr::quant
