// The quantisation-aware method a QAT run trains through (docs/METHODS.md): the BCJR soft codeword
// (the default), the straight-through estimator and a JacQuant-style learned per-tile slope on the
// trellis, and two scalar baselines without the trellis (BBQ, round-to-nearest). Parsed in one
// place; the options of the methods that have any are plain values written into run.json.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace bcjr::quant {

enum class QatMethod { Bcjr, Ste, JacQuant, Bbq, Rtn };

// "bcjr" | "ste" | "jacquant" | "bbq" | "rtn"; throws a bcjr::Error naming `what` otherwise.
QatMethod parse_qat_method(const std::string& name, const std::string& what = "--method");
const char* qat_method_name(QatMethod m);
// Every method, in the order tables list them.
std::vector<QatMethod> all_qat_methods();
// The trellis methods share the trellis PTQ, hardening, flips and packed export; the scalar
// baselines quantise each weight on its own.
bool is_trellis_method(QatMethod m);

// JacQuant: the backward pass is dW = b_g * dW_hat with one slope b_g per 256-weight tile, in
// the normalised tile domain where the trellis acts. Every `refresh_every` steps (before the
// forward of steps 0, R, 2R, ...) each slope is re-estimated from `probes` antithetic finite
// differences along random sign directions and `dithers` Gaussian-dither samples (probe size and
// dither sigma = `scale` x the tile's RMS quantisation error), then smoothed:
//   est = mean(Probe, Dither);  b = (1 - ema) b + ema est;  b = clip(b, lo, hi);
//   b = (1 - shrink) b + shrink mean_linear(b).
// Defaults and their reasons: docs/METHODS.md.
struct JacQuantOptions {
  int refresh_every = 2;
  int probes = 1;
  int dithers = 2;
  double scale = 1.0;
  double ema = 0.5;
  double lo = 0.1, hi = 3.0;
  double shrink = 0.25;

  void validate() const;
  nlohmann::json to_json() const;
  static JacQuantOptions from_json(const nlohmann::json& j, const std::string& source);
};

}  // namespace bcjr::quant
