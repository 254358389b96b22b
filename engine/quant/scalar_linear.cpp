#include "engine/quant/scalar_linear.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/torch.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/scalar_quantizer.h"

namespace bcjr::quant {
namespace {

torch::Tensor string_tensor(const std::string& s) {
  auto t = torch::empty({int64_t(s.size())}, torch::kUInt8);
  if (!s.empty()) std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

std::string tensor_string(const torch::Tensor& t) {
  auto c = t.contiguous().to(torch::kCPU);
  return std::string(static_cast<const char*>(c.data_ptr()), size_t(c.numel()));
}

std::string entry_prefix(const LinearKey& k) { return std::to_string(k.first) + "." + k.second + "."; }

}  // namespace

ScalarLinear ScalarLinear::quantize(const torch::Tensor& w, int64_t layer, const std::string& name, QatMethod method,
                                    int bits) {
  BCJR_CHECK(!is_trellis_method(method), "scalar quantisation: ", qat_method_name(method), " is a trellis method");
  BCJR_CHECK(w.dim() == 2, "scalar quantisation of layer ", layer, " ", name, ": weight of shape ", w.sizes());
  ScalarLinear s;
  s.layer = layer;
  s.name = name;
  s.rows = w.size(0);
  s.cols = w.size(1);
  s.method = method;
  s.bits = bits;
  s.block = method == QatMethod::Bbq ? bbq_block(s.cols) : 1;
  s.scales = method == QatMethod::Bbq ? bbq_initial_scales(w) : rtn_scales(w, bits);
  return s.requantize(w, s.scales);
}

ScalarLinear ScalarLinear::requantize(const torch::Tensor& w, const torch::Tensor& new_scales) const {
  BCJR_CHECK(w.dim() == 2 && w.size(0) == rows && w.size(1) == cols, "scalar quantisation of layer ", layer, " ", name,
             ": weight of shape ", w.sizes(), ", expected [", rows, ", ", cols, "]");
  ScalarLinear s = *this;
  torch::NoGradGuard ng;
  s.scales = new_scales.detach().to(torch::kCPU, torch::kFloat32).clone();
  s.codes = (method == QatMethod::Bbq ? bbq_codes(w, block, bits) : rtn_codes(w, new_scales.detach(), bits))
                .to(torch::kCPU);
  return s;
}

torch::Tensor ScalarLinear::dequantize() const {
  torch::NoGradGuard ng;
  return method == QatMethod::Bbq ? bbq_dequantize(codes, scales, block, bits) : rtn_dequantize(codes, scales, bits);
}

std::string ScalarLinear::describe() const {
  return std::string(qat_method_name(method)) + " " + std::to_string(bits) + "-bit, " +
         (method == QatMethod::Bbq ? "Hadamard block " + std::to_string(block) : std::string("per-row step"));
}

BitsPerWeight scalar_bits_per_weight(const std::map<LinearKey, ScalarLinear>& q) {
  BitsPerWeight b;
  for (const auto& kv : q) {
    b.nominal = kv.second.bits;
    b.weights += kv.second.rows * kv.second.cols;
    b.stored_bits += kv.second.rows * kv.second.cols * kv.second.bits + kv.second.rows * 32;
  }
  b.effective = b.weights ? double(b.stored_bits) / double(b.weights) : 0;
  return b;
}

void scalar_linears_to_tensors(const std::map<LinearKey, ScalarLinear>& q, const std::string& prefix,
                               std::map<std::string, torch::Tensor>& out) {
  for (const auto& kv : q) {
    const std::string p = prefix + entry_prefix(kv.first);
    const ScalarLinear& s = kv.second;
    out[p + "codes"] = s.codes;
    out[p + "scales"] = s.scales;
    nlohmann::json meta = {{"layer", s.layer}, {"name", s.name}, {"rows", s.rows},  {"cols", s.cols},
                           {"method", qat_method_name(s.method)}, {"bits", s.bits}, {"block", s.block}};
    out[p + "meta"] = string_tensor(meta.dump());
  }
}

std::map<LinearKey, ScalarLinear> scalar_linears_from_tensors(const std::map<std::string, torch::Tensor>& in,
                                                              const std::string& prefix, const std::string& source) {
  std::map<LinearKey, ScalarLinear> out;
  for (const auto& kv : in) {
    const std::string& key = kv.first;
    if (key.compare(0, prefix.size(), prefix) != 0 || key.size() < 5 || key.substr(key.size() - 5) != ".meta") continue;
    const std::string p = key.substr(0, key.size() - 4);
    nlohmann::json meta;
    try {
      meta = nlohmann::json::parse(tensor_string(kv.second));
    } catch (const nlohmann::json::exception& e) {
      fail(source, ": entry ", key, " is not JSON: ", e.what());
    }
    ScalarLinear s;
    try {
      s.layer = meta.at("layer").get<int64_t>();
      s.name = meta.at("name").get<std::string>();
      s.rows = meta.at("rows").get<int64_t>();
      s.cols = meta.at("cols").get<int64_t>();
      s.method = parse_qat_method(meta.at("method").get<std::string>(), source + " method");
      s.bits = meta.at("bits").get<int>();
      s.block = meta.at("block").get<int64_t>();
    } catch (const nlohmann::json::exception& e) {
      fail(source, ": entry ", key, ": ", e.what());
    }
    auto c = in.find(p + "codes"), sc = in.find(p + "scales");
    BCJR_CHECK(c != in.end() && sc != in.end(), source, ": incomplete entry ", p);
    s.codes = c->second;
    s.scales = sc->second;
    BCJR_CHECK(!is_trellis_method(s.method) && s.bits >= 1 && s.bits <= 4 && s.block >= 1 && s.cols % s.block == 0,
               source, ": entry ", p, " has bad constants (", meta.dump(), ")");
    BCJR_CHECK(s.codes.dim() == 2 && s.codes.size(0) == s.rows && s.codes.size(1) == s.cols &&
                   s.codes.scalar_type() == torch::kUInt8 && s.scales.dim() == 1 && s.scales.size(0) == s.rows,
               source, ": entry ", p, ": codes ", s.codes.sizes(), " and scales ", s.scales.sizes(), " do not fit [",
               s.rows, ", ", s.cols, "]");
    BCJR_CHECK(s.codes.numel() == 0 || s.codes.max().item<int64_t>() < (int64_t(1) << s.bits), source, ": entry ", p,
               ": a code is out of range for ", s.bits, " bits");
    out[{s.layer, s.name}] = s;
  }
  return out;
}

void save_scalar_linears(const std::string& path, const std::map<LinearKey, ScalarLinear>& q) {
  std::map<std::string, torch::Tensor> t;
  scalar_linears_to_tensors(q, "", t);
  torch::serialize::OutputArchive a;
  archive_write_tensors(a, t, "entries");
  archive_write_string(a, "format", "bcjr-scalar-1");
  write_file_atomic(path, archive_bytes(a));
}

std::map<LinearKey, ScalarLinear> load_scalar_linears(const std::string& path) {
  torch::serialize::InputArchive a;
  archive_load_file(a, path);
  BCJR_CHECK(archive_read_string(a, "format", path) == "bcjr-scalar-1", path, ": not a scalar-quantised snapshot");
  return scalar_linears_from_tensors(archive_read_tensors(a, "entries", path), "", path);
}

}  // namespace bcjr::quant
