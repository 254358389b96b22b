// One linear quantised by a scalar baseline (rtn or BBQ, scalar_quantizer.h): its codes, per-row
// scales and the method's constants, what it dequantises to, and its files. A run of a scalar
// method writes its hardened linears to snapshots/scalar_quantized.ckpt (a LibTorch archive read
// only by this program; keys "<layer>.<linear>.codes|scales|meta", "linears" the keys), from which
// `bcjr export` writes the pt and hf formats.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>

#include "engine/quant/export_packed.h"
#include "engine/quant/ptq_model.h"
#include "engine/quant/qat_method.h"

namespace bcjr::quant {

struct ScalarLinear {
  int64_t layer = -1;
  std::string name;
  int64_t rows = 0, cols = 0;
  QatMethod method = QatMethod::Rtn;  // Rtn or Bbq
  int bits = 2;
  int64_t block = 1;     // BBQ's Hadamard block along the inputs (1 for rtn)
  torch::Tensor codes;   // uint8 [rows, cols] (BBQ: in the Hadamard domain)
  torch::Tensor scales;  // float32 [rows]: rtn's step, BBQ's s

  // Quantises W [rows, cols] with the method's initial scales (the PTQ of a scalar run).
  static ScalarLinear quantize(const torch::Tensor& w, int64_t layer, const std::string& name, QatMethod method,
                               int bits);
  // Codes of W with these scales (BBQ's: learned) kept.
  ScalarLinear requantize(const torch::Tensor& w, const torch::Tensor& scales) const;
  torch::Tensor dequantize() const;  // fp32 [rows, cols] on the codes' device
  std::string describe() const;      // "rtn 2-bit, per-row step" / "bbq 2-bit, Hadamard block 64"
};

// Bits per weight counted as the packed trellis format counts them (export_packed.h): nominal b,
// effective = every stored bit of what dequantisation needs (b-bit codes, fp32 per-row scales).
BitsPerWeight scalar_bits_per_weight(const std::map<LinearKey, ScalarLinear>& q);

void save_scalar_linears(const std::string& path, const std::map<LinearKey, ScalarLinear>& q);
std::map<LinearKey, ScalarLinear> load_scalar_linears(const std::string& path);
// The same as named tensors (checkpoints): "<prefix><layer>.<linear>.codes|scales|meta".
void scalar_linears_to_tensors(const std::map<LinearKey, ScalarLinear>& q, const std::string& prefix,
                               std::map<std::string, torch::Tensor>& out);
std::map<LinearKey, ScalarLinear> scalar_linears_from_tensors(const std::map<std::string, torch::Tensor>& in,
                                                              const std::string& prefix, const std::string& source);

}  // namespace bcjr::quant
