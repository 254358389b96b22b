#include "engine/quant/quant_params.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/json_keys.h"
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
  BCJR_CHECK(code == "hyb" || code == "1mad" || code == "3inst" || code == "lut", "quantisation: --code '", code,
             "' (expected hyb, 1mad or 3inst)");
  BCJR_CHECK(code != "hyb" || V == 2, "quantisation: code hyb has V = 2 (got --V ", V, ")");
  BCJR_CHECK((code != "1mad" && code != "3inst") || V == 1, "quantisation: code ", code, " has V = 1 (got --V ", V,
             ")");
  BCJR_CHECK(std::isfinite(rms_factor) && rms_factor > 0, "quantisation: --rms-factor ", rms_factor, " must be > 0");
}

nlohmann::json QuantParams::to_json() const {
  return {{"L", L}, {"k", k}, {"V", V}, {"code", code}, {"codebook_seed", codebook_seed},
          {"boundary", boundary}, {"tailbiting_bcjr", tailbiting_bcjr}, {"rms_factor", rms_factor}, {"tile", {kTileSide, kTileSide}}};
}

QuantParams QuantParams::from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object(), source, ": quantisation parameters must be a JSON object");
  const std::string src = source + " quant";
  refuse_unknown_keys(j, keys_of(QuantParams().to_json()), src);
  QuantParams p;
  read_json_field(j, "L", p.L, src);
  read_json_field(j, "k", p.k, src);
  read_json_field(j, "V", p.V, src);
  read_json_field(j, "code", p.code, src);
  read_json_field(j, "codebook_seed", p.codebook_seed, src);
  read_json_field(j, "boundary", p.boundary, src);
  read_json_field(j, "tailbiting_bcjr", p.tailbiting_bcjr, src);
  read_json_field(j, "rms_factor", p.rms_factor, src);
  if (j.contains("tile"))
    BCJR_CHECK(j["tile"] == nlohmann::json({kTileSide, kTileSide}), src, ": \"tile\" must be [", kTileSide, ", ",
               kTileSide, "] (the only tile this program has)");
  try {
    p.validate();
  } catch (const bcjr::Error& e) {
    fail(src, ": ", e.what());
  }
  return p;
}

}  // namespace bcjr::quant
