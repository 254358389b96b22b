// Saving and loading quantised linears (signs, scale, paths) and the trainer's state, through
// LibTorch's serialize archives (a TorchScript-style zip read only by this program; the exports
// in export_*.h are the interchange formats). Keys:
//   "<layer>.<linear>.signs_out|signs_in|scale|states" and "<layer>.<linear>.method" (string),
//   "linears" (string: the keys, comma-separated), "params" (string: QuantParams JSON).
#pragma once

#include <ATen/Tensor.h>

#include <map>
#include <string>

#include "engine/quant/ptq_model.h"
#include "engine/quant/quant_params.h"
#include "engine/quant/quantized_linear.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace bcjr::quant {

void write_quantized_linears(torch::serialize::OutputArchive& a, const std::map<LinearKey, QuantizedLinear>& q,
                             const QuantParams& params);
std::map<LinearKey, QuantizedLinear> read_quantized_linears(torch::serialize::InputArchive& a, QuantParams* params,
                                                            const std::string& source);

// Whole files (atomic write).
void save_quantized_linears(const std::string& path, const std::map<LinearKey, QuantizedLinear>& q,
                            const QuantParams& params);
std::map<LinearKey, QuantizedLinear> load_quantized_linears(const std::string& path, QuantParams* params);

// Archive helpers used by the checkpoint code: a string round-trips as a uint8 tensor.
void archive_write_string(torch::serialize::OutputArchive& a, const std::string& key, const std::string& value);
std::string archive_read_string(torch::serialize::InputArchive& a, const std::string& key, const std::string& source);
std::string archive_bytes(torch::serialize::OutputArchive& a);
// A map of named tensors (names without commas), with its index under `index_key`; read back
// whole, each missing tensor an error naming `source`.
void archive_write_tensors(torch::serialize::OutputArchive& a, const std::map<std::string, at::Tensor>& tensors,
                           const std::string& index_key);
std::map<std::string, at::Tensor> archive_read_tensors(torch::serialize::InputArchive& a, const std::string& index_key,
                                                       const std::string& source);
void archive_load_file(torch::serialize::InputArchive& a, const std::string& path);

}  // namespace bcjr::quant
