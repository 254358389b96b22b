#include "engine/quant/quantized_checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <cstring>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace bcjr::quant {

void archive_write_string(torch::serialize::OutputArchive& a, const std::string& key, const std::string& value) {
  auto t = torch::empty({int64_t(value.size())}, torch::kUInt8);
  if (!value.empty()) std::memcpy(t.data_ptr(), value.data(), value.size());
  a.write(key, t);
}

std::string archive_read_string(torch::serialize::InputArchive& a, const std::string& key, const std::string& source) {
  torch::Tensor t;
  BCJR_CHECK(a.try_read(key, t), source, ": missing entry '", key, "'");
  BCJR_CHECK(t.scalar_type() == torch::kUInt8 && t.dim() == 1, source, ": entry '", key, "' is not a string");
  t = t.contiguous();
  return std::string(static_cast<const char*>(t.data_ptr()), size_t(t.numel()));
}

std::string archive_bytes(torch::serialize::OutputArchive& a) {
  std::string bytes;
  a.save_to([&](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  return bytes;
}

void archive_write_tensors(torch::serialize::OutputArchive& a, const std::map<std::string, at::Tensor>& tensors,
                           const std::string& index_key) {
  std::string index;
  for (const auto& kv : tensors) {
    BCJR_CHECK(kv.first.find(',') == std::string::npos, "checkpoint entry name '", kv.first, "' has a comma");
    a.write(kv.first, kv.second.detach().to(torch::kCPU));
    index += (index.empty() ? "" : ",") + kv.first;
  }
  archive_write_string(a, index_key, index);
}

std::map<std::string, at::Tensor> archive_read_tensors(torch::serialize::InputArchive& a, const std::string& index_key,
                                                       const std::string& source) {
  std::map<std::string, at::Tensor> out;
  std::stringstream names(archive_read_string(a, index_key, source));
  std::string name;
  while (std::getline(names, name, ',')) {
    torch::Tensor t;
    BCJR_CHECK(a.try_read(name, t), source, ": entry '", name, "' is missing");
    out[name] = t;
  }
  return out;
}

void archive_load_file(torch::serialize::InputArchive& a, const std::string& path) {
  std::string bytes = read_file(path);
  try {
    a.load_from(bytes.data(), bytes.size());
  } catch (const c10::Error& e) {
    fail(path, ": not a readable checkpoint (", e.what_without_backtrace(), ")");
  }
}

static std::string prefix(const LinearKey& k) { return std::to_string(k.first) + "." + k.second + "."; }

void write_quantized_linears(torch::serialize::OutputArchive& a, const std::map<LinearKey, QuantizedLinear>& q,
                             const QuantParams& params) {
  std::string keys;
  for (const auto& kv : q) {
    const std::string p = prefix(kv.first);
    keys += (keys.empty() ? "" : ",") + std::to_string(kv.first.first) + ":" + kv.first.second;
    a.write(p + "signs_out", kv.second.signs_out);
    a.write(p + "signs_in", kv.second.signs_in);
    a.write(p + "scale", torch::full({1}, kv.second.scale, torch::kFloat64));
    a.write(p + "states", kv.second.states);
    archive_write_string(a, p + "method", kv.second.method);
  }
  archive_write_string(a, "linears", keys);
  archive_write_string(a, "params", params.to_json().dump());
}

std::map<LinearKey, QuantizedLinear> read_quantized_linears(torch::serialize::InputArchive& a, QuantParams* params,
                                                            const std::string& source) {
  if (params) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(archive_read_string(a, "params", source));
    } catch (const nlohmann::json::exception& e) {
      fail(source, ": quantisation parameters are not JSON: ", e.what());
    }
    *params = QuantParams::from_json(j, source);
  }
  std::map<LinearKey, QuantizedLinear> out;
  std::stringstream keys(archive_read_string(a, "linears", source));
  std::string item;
  while (std::getline(keys, item, ',')) {
    auto colon = item.find(':');
    BCJR_CHECK(colon != std::string::npos, source, ": bad linear key '", item, "'");
    LinearKey k{std::stoll(item.substr(0, colon)), item.substr(colon + 1)};
    const std::string p = prefix(k);
    QuantizedLinear q;
    q.layer = k.first;
    q.name = k.second;
    torch::Tensor scale;
    BCJR_CHECK(a.try_read(p + "signs_out", q.signs_out) && a.try_read(p + "signs_in", q.signs_in) &&
                   a.try_read(p + "scale", scale) && a.try_read(p + "states", q.states),
               source, ": incomplete entry for ", linear_label(k));
    q.rows = q.signs_out.numel();
    q.cols = q.signs_in.numel();
    q.scale = scale.item<double>();
    q.method = archive_read_string(a, p + "method", source);
    out[k] = q;
  }
  return out;
}

void save_quantized_linears(const std::string& path, const std::map<LinearKey, QuantizedLinear>& q,
                            const QuantParams& params) {
  torch::serialize::OutputArchive a;
  write_quantized_linears(a, q, params);
  write_file_atomic(path, archive_bytes(a));
}

std::map<LinearKey, QuantizedLinear> load_quantized_linears(const std::string& path, QuantParams* params) {
  torch::serialize::InputArchive a;
  archive_load_file(a, path);
  return read_quantized_linears(a, params, path);
}

}  // namespace bcjr::quant
