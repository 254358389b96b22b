// The packed export of a quantised run: one safetensors file holding, per quantised linear, its
// tail-biting bitstreams, RHT signs and scale, plus the codebook's LUT, with the quantisation
// config, the run manifest and the bit rates in __metadata__. Everything else of the model (the
// unquantised tensors) is named by the manifest's model path and hash, not copied.
//
// Tensors (prefix P = "model.layers.<i>.self_attn.<q|k|v|o>_proj." or "model.layers.<i>.mlp.<gate|up|down>_proj."):
//   P + "trellis_bits"   I16 [tiles, n*k/16]  uint16 words of each tile's circular bitstream, MSB
//                        first (engine/trellis/bitstream.h), stored as I16 with the same bits
//                        (the reader accepts U16 too); tile order (i/16)*(cols/16) + j/16
//   P + "rht_signs_out"  I8 [rows]  +-1;  P + "rht_signs_in"  I8 [cols]  +-1
//   P + "scale"          F64 [1]    sigma: W = H^T diag(s) ... (sigma * tiles) (quantized_linear.h)
//   "trellis.lut"        F32 [512, 2] for hyb (the LUT as used, already scaled); absent for
//                        1mad/3inst (computed codes); F32 [2^L, V] for a lut code
// __metadata__ (all JSON strings): "quantization_config" {method, L, k, V, code, Q, codebook_seed,
//   tile [16, 16], boundary, rms_factor, bitstream}, "manifest" (run.json), "bits_per_weight"
//   {nominal, effective, quantized_weights, stored_bits, counts}, "format" "bcjr-packed-1".
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "engine/quant/ptq_model.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/trellis_code.h"

namespace bcjr::quant {

struct BitsPerWeight {
  double nominal = 0;        // k
  double effective = 0;      // every stored bit of the file's tensors / quantised weights
  int64_t weights = 0;       // quantised weights
  int64_t stored_bits = 0;   // bitstreams + signs + scales + LUT
  nlohmann::json to_json() const;
};

BitsPerWeight packed_bits_per_weight(const std::map<LinearKey, QuantizedLinear>& q, const TrellisCode& code);

// Writes the file atomically. `method` is "<method>-qat" (bcjr-qat, ste-qat, jacquant-qat) or
// "ptq-rht"/"ptq-ldlq".
BitsPerWeight export_packed(const std::string& path, const std::map<LinearKey, QuantizedLinear>& q,
                            const TrellisCode& code, const std::string& method, const nlohmann::json& manifest);

struct PackedModel {
  QuantParams params;
  std::string method;
  std::map<LinearKey, QuantizedLinear> linears;
  nlohmann::json manifest;
  BitsPerWeight bits;
};
// Reads and decodes (bitstreams -> paths) a packed file; throws a bcjr::Error naming the file
// and tensor for anything missing or inconsistent.
PackedModel read_packed(const std::string& path, TrellisCode* code);

// HF tensor name prefix of a linear: "model.layers.4.self_attn.q_proj".
std::string hf_linear_name(const LinearKey& k);

}  // namespace bcjr::quant
