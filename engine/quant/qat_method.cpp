#include "engine/quant/qat_method.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/json_keys.h"

namespace bcjr::quant {

namespace {
constexpr QatMethod kMethods[] = {QatMethod::Bcjr, QatMethod::Ste, QatMethod::JacQuant, QatMethod::Bbq,
                                  QatMethod::Rtn};
}

const char* qat_method_name(QatMethod m) {
  switch (m) {
    case QatMethod::Bcjr: return "bcjr";
    case QatMethod::Ste: return "ste";
    case QatMethod::JacQuant: return "jacquant";
    case QatMethod::Bbq: return "bbq";
    case QatMethod::Rtn: return "rtn";
  }
  return "?";
}

QatMethod parse_qat_method(const std::string& name, const std::string& what) {
  for (QatMethod m : kMethods)
    if (name == qat_method_name(m)) return m;
  fail(what, " '", name, "' (expected bcjr, ste, jacquant, bbq or rtn)");
}

std::vector<QatMethod> all_qat_methods() { return {std::begin(kMethods), std::end(kMethods)}; }

bool is_trellis_method(QatMethod m) { return m == QatMethod::Bcjr || m == QatMethod::Ste || m == QatMethod::JacQuant; }

void JacQuantOptions::validate() const {
  BCJR_CHECK(refresh_every >= 1, "jacquant: refresh_every ", refresh_every, " must be >= 1");
  BCJR_CHECK(probes >= 0 && dithers >= 0 && probes + dithers >= 1, "jacquant: probes ", probes, " and dithers ",
             dithers, " (>= 0, at least one sample in all)");
  BCJR_CHECK(std::isfinite(scale) && scale > 0, "jacquant: scale ", scale, " must be > 0");
  BCJR_CHECK(ema > 0 && ema <= 1, "jacquant: ema ", ema, " must be in (0, 1]");
  BCJR_CHECK(std::isfinite(lo) && std::isfinite(hi) && 0 <= lo && lo < hi, "jacquant: clip range [", lo, ", ", hi,
             "] (need 0 <= lo < hi)");
  BCJR_CHECK(shrink >= 0 && shrink <= 1, "jacquant: shrink ", shrink, " must be in [0, 1]");
}

nlohmann::json JacQuantOptions::to_json() const {
  return {{"refresh_every", refresh_every}, {"probes", probes}, {"dithers", dithers}, {"scale", scale},
          {"ema", ema},                     {"clip", {lo, hi}}, {"shrink", shrink}};
}

JacQuantOptions JacQuantOptions::from_json(const nlohmann::json& j, const std::string& source) {
  BCJR_CHECK(j.is_object(), source, ": \"jacquant\" must be a JSON object");
  refuse_unknown_keys(j, keys_of(JacQuantOptions().to_json()), source + " jacquant");
  JacQuantOptions o;
  try {
    read_json_field(j, "refresh_every", o.refresh_every, source + " jacquant");
    read_json_field(j, "probes", o.probes, source + " jacquant");
    read_json_field(j, "dithers", o.dithers, source + " jacquant");
    read_json_field(j, "scale", o.scale, source + " jacquant");
    read_json_field(j, "ema", o.ema, source + " jacquant");
    if (j.contains("clip")) {
      const auto& c = j.at("clip");
      BCJR_CHECK(c.is_array() && c.size() == 2 && c[0].is_number() && c[1].is_number(), source,
                 ": jacquant \"clip\" must hold two numbers");
      o.lo = c[0].get<double>();
      o.hi = c[1].get<double>();
    }
    read_json_field(j, "shrink", o.shrink, source + " jacquant");
  } catch (const bcjr::Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(source, ": jacquant options: ", e.what());
  }
  o.validate();
  return o;
}

}  // namespace bcjr::quant
