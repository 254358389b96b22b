// The trellis code a run quantises with (L, k, V, code, codebook seed, boundary) and the weight
// scaling (target RMS = rms_factor x the codebook's RMS, QTIP's 0.9), as one torch-free value that
// goes into run.json and the packed export's quantization_config (trellis_code.h makes it live).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

#include "engine/trellis/trellis_spec.h"

namespace bcjr::quant {

struct QuantParams {
  int L = 16, k = 2, V = 2;
  std::string code = "hyb";  // hyb (V=2), 1mad or 3inst (V=1)
  uint64_t codebook_seed = 0;
  std::string boundary = "tailbiting";
  // How tail-biting BCJR is computed: "exact" sums the 2^(L-kV) distributions conditioned on each
  // overlap (2^(L-kV) sweeps per tile); "fixed-overlap" conditions on the hard tail-biting Viterbi
  // overlap (one sweep plus a Viterbi); "auto" is exact where 2^(L-kV) <= 256. Ignored when free.
  std::string tailbiting_bcjr = "auto";
  double rms_factor = 0.9;

  trellis::TrellisSpec spec() const;  // n = 256 (one 16x16 tile)
  // Throws a bcjr::Error naming the bad parameter.
  void validate() const;
  nlohmann::json to_json() const;
  static QuantParams from_json(const nlohmann::json& j, const std::string& source);
};

}  // namespace bcjr::quant
