#include "engine/quant/export_packed.h"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/core/source_errors.h"
#include "engine/model/safetensors.h"
#include "engine/trellis/bitstream.h"

namespace bcjr::quant {

std::string hf_linear_name(const LinearKey& k) {
  const bool attn = k.second == "q_proj" || k.second == "k_proj" || k.second == "v_proj" || k.second == "o_proj";
  return "model.layers." + std::to_string(k.first) + (attn ? ".self_attn." : ".mlp.") + k.second;
}

nlohmann::json BitsPerWeight::to_json() const {
  return {{"nominal", nominal},
          {"effective", effective},
          {"quantized_weights", weights},
          {"stored_bits", stored_bits},
          {"counts", "bitstreams, RHT sign vectors (8 bits each as stored), fp64 scales and the LUT over the "
                     "quantised linears only; embeddings, norms, the output head and unquantised layers excluded"}};
}

static int64_t lut_bits(const TrellisCode& code) {
  if (code.params.code == "hyb") return int64_t(code.codebook->lut.size()) * 32;
  if (code.params.code == "lut") return int64_t(code.codebook->table.size()) * 32;
  return 0;
}

BitsPerWeight packed_bits_per_weight(const std::map<LinearKey, QuantizedLinear>& q, const TrellisCode& code) {
  BitsPerWeight b;
  b.nominal = code.spec.k;
  const int64_t words = trellis::bitstream_words(code.spec);
  for (const auto& kv : q) {
    b.weights += kv.second.rows * kv.second.cols;
    b.stored_bits += kv.second.tiles() * words * 16 + (kv.second.rows + kv.second.cols) * 8 + 64;
  }
  b.stored_bits += lut_bits(code);
  b.effective = b.weights ? double(b.stored_bits) / double(b.weights) : 0;
  return b;
}

BitsPerWeight export_packed(const std::string& path, const std::map<LinearKey, QuantizedLinear>& q,
                            const TrellisCode& code, const std::string& method, const nlohmann::json& manifest) {
  BCJR_CHECK(!q.empty(), "packed export ", path, ": nothing was quantised");
  BCJR_CHECK(code.boundary == trellis::Boundary::TailBiting, "packed export ", path,
             ": bitstreams need a tail-biting boundary (this run used ", code.params.boundary, ")");
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& kv : q) {
    const std::string p = hf_linear_name(kv.first) + ".";
    tensors.emplace_back(p + "trellis_bits", trellis::pack_bitstream(kv.second.states, code.spec).to(torch::kInt16));
    tensors.emplace_back(p + "rht_signs_out", kv.second.signs_out.to(torch::kInt8));
    tensors.emplace_back(p + "rht_signs_in", kv.second.signs_in.to(torch::kInt8));
    tensors.emplace_back(p + "scale", torch::full({1}, kv.second.scale, torch::kFloat64));
  }
  if (code.params.code == "hyb")
    tensors.emplace_back("trellis.lut", torch::tensor(code.codebook->lut).reshape({-1, 2}));
  else if (code.params.code == "lut")
    tensors.emplace_back("trellis.lut", torch::tensor(code.codebook->table).reshape({-1, code.spec.V}));
  auto bits = packed_bits_per_weight(q, code);
  nlohmann::json qc = code.params.to_json();
  qc["method"] = method;
  qc["Q"] = code.params.code == "hyb" ? trellis::kHybLutBits : 0;
  qc["bitstream"] = "tail-biting, n*k bits per tile in uint16 words, MSB first";
  std::map<std::string, std::string> meta = {{"format", "bcjr-packed-1"},
                                             {"quantization_config", qc.dump()},
                                             {"manifest", manifest.dump()},
                                             {"bits_per_weight", bits.to_json().dump()}};
  model::write_safetensors(path, tensors, meta);
  return bits;
}

namespace {

PackedModel read_packed_file(const std::string& path, TrellisCode* code_out) {
  model::SafetensorsFile f(path);
  const auto& meta = f.metadata();
  auto get = [&](const char* key) {
    auto it = meta.find(key);
    BCJR_CHECK(it != meta.end(), path, ": no __metadata__ entry '", key, "' (not a bcjr packed export)");
    try {
      return nlohmann::json::parse(it->second);
    } catch (const std::exception& e) {
      fail(path, ": __metadata__ '", key, "' is not JSON: ", e.what());
    }
  };
  BCJR_CHECK(meta.count("format") && meta.at("format") == "bcjr-packed-1", path, ": not a bcjr packed export");
  PackedModel pm;
  auto qc = get("quantization_config");
  BCJR_CHECK(qc.is_object(), path, ": quantization_config is not a JSON object");
  pm.method = qc.value("method", std::string());
  // What export_packed adds to the quantisation parameters: described, not read back.
  for (const char* k : {"method", "Q", "bitstream"}) qc.erase(k);
  pm.params = QuantParams::from_json(qc, path + " quantization_config");
  pm.manifest = get("manifest");
  // The codebook as stored: hyb's LUT and a lut code's table come from the file (no k-means is
  // rerun for a seed the file names); 1mad and 3inst are computed.
  auto table = [&] {
    auto t = f.tensor("trellis.lut").to(torch::kFloat32).contiguous();
    return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  };
  std::shared_ptr<const trellis::Codebook> codebook;
  if (pm.params.code == "hyb")
    codebook = std::make_shared<const trellis::Codebook>(
        trellis::hyb_codebook_from_lut(table(), pm.params.L, pm.params.codebook_seed));
  else if (pm.params.code == "lut")
    codebook = std::make_shared<const trellis::Codebook>(
        trellis::codebook_from_table(table(), pm.params.L, pm.params.V, path));
  else
    codebook = std::make_shared<const trellis::Codebook>(
        trellis::make_codebook(pm.params.code, pm.params.L, pm.params.V, pm.params.codebook_seed));
  const TrellisCode code = TrellisCode::make(pm.params, codebook);
  const std::string suffix = ".trellis_bits";
  for (const auto& info : f.tensors()) {
    if (info.name.size() <= suffix.size() || info.name.compare(info.name.size() - suffix.size(), suffix.size(), suffix))
      continue;
    const std::string p = info.name.substr(0, info.name.size() - suffix.size());
    long long layer = -1;
    char kind[16] = {0}, lin[16] = {0};
    BCJR_CHECK(std::sscanf(p.c_str(), "model.layers.%lld.%15[a-z_].%15[a-z_]", &layer, kind, lin) == 3, path,
               ": unexpected tensor name ", info.name);
    QuantizedLinear q;
    q.layer = layer;
    q.name = lin;
    BCJR_CHECK(hf_linear_name({q.layer, q.name}) == p, path, ": unexpected tensor name ", info.name);
    auto bits = f.tensor(info.name);
    BCJR_CHECK(bits.dim() == 2 && bits.size(1) == trellis::bitstream_words(code.spec), path, ": ", info.name,
               " has shape ", bits.sizes(), " for ", code.spec.describe());
    q.states = trellis::unpack_bitstream(bits.contiguous(), code.spec);
    q.signs_out = f.tensor(p + ".rht_signs_out").to(torch::kFloat32);
    q.signs_in = f.tensor(p + ".rht_signs_in").to(torch::kFloat32);
    q.rows = q.signs_out.numel();
    q.cols = q.signs_in.numel();
    BCJR_CHECK(q.rows % 16 == 0 && q.cols % 16 == 0 && q.states.size(0) == (q.rows / 16) * (q.cols / 16), path, ": ",
               info.name, " holds ", q.states.size(0), " tiles for a [", q.rows, ", ", q.cols, "] linear");
    auto scale = f.tensor(p + ".scale");
    BCJR_CHECK(scale.numel() == 1, path, ": ", p, ".scale holds ", scale.numel(), " values, expected 1");
    q.scale = scale.to(torch::kFloat64).item<double>();
    BCJR_CHECK(std::isfinite(q.scale) && q.scale > 0, path, ": ", p, ".scale = ", q.scale, " (must be finite and > 0)");
    BCJR_CHECK(q.signs_out.abs().eq(1).all().item<bool>() && q.signs_in.abs().eq(1).all().item<bool>(), path, ": ", p,
               " has RHT signs other than +1 and -1");
    q.method = "packed";
    pm.linears[{q.layer, q.name}] = q;
  }
  BCJR_CHECK(!pm.linears.empty(), path, ": no quantised linears");
  pm.bits = packed_bits_per_weight(pm.linears, code);
  if (code_out) *code_out = code;
  return pm;
}

}  // namespace

PackedModel read_packed(const std::string& path, TrellisCode* code_out) {
  return naming_source(path, [&] { return read_packed_file(path, code_out); });
}

}  // namespace bcjr::quant
