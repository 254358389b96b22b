#include "engine/model/llama_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/printable.h"

namespace bcjr::model {
namespace {

using json = nlohmann::json;

int64_t required_int(const json& j, const char* key, const std::string& src) {
  BCJR_CHECK(j.contains(key), src, ": '", key, "' is missing");
  BCJR_CHECK(j[key].is_number_integer(), src, ": '", key, "' must be an integer");
  return j[key].get<int64_t>();
}

int64_t optional_int(const json& j, const char* key, int64_t fallback, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  BCJR_CHECK(j[key].is_number_integer(), src, ": '", key, "' must be an integer");
  return j[key].get<int64_t>();
}

double optional_real(const json& j, const char* key, double fallback, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  BCJR_CHECK(j[key].is_number(), src, ": '", key, "' must be a number");
  return j[key].get<double>();
}

bool optional_bool(const json& j, const char* key, bool fallback, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  BCJR_CHECK(j[key].is_boolean(), src, ": '", key, "' must be true or false");
  return j[key].get<bool>();
}

RopeScaling parse_rope_scaling(const json& j, const std::string& src) {
  RopeScaling r;
  if (!j.contains("rope_scaling") || j["rope_scaling"].is_null()) return r;
  const json& s = j["rope_scaling"];
  BCJR_CHECK(s.is_object(), src, ": 'rope_scaling' must be an object or null");
  std::string type;
  for (const char* k : {"rope_type", "type"})
    if (s.contains(k) && s[k].is_string()) {
      type = s[k].get<std::string>();
      break;
    }
  BCJR_CHECK(!type.empty(), src, ": 'rope_scaling' has no rope_type");
  BCJR_CHECK(type == "llama3" || type == "default", src, ": unsupported rope scaling type '", type,
             "' (supported: llama3, default)");
  r.type = type;
  if (type == "llama3") {
    r.factor = optional_real(s, "factor", r.factor, src + " rope_scaling");
    r.low_freq_factor = optional_real(s, "low_freq_factor", r.low_freq_factor, src + " rope_scaling");
    r.high_freq_factor = optional_real(s, "high_freq_factor", r.high_freq_factor, src + " rope_scaling");
    r.original_max_position_embeddings =
        optional_int(s, "original_max_position_embeddings", r.original_max_position_embeddings, src + " rope_scaling");
  }
  return r;
}

}  // namespace

void LlamaConfig::validate(const std::string& source) const {
  BCJR_CHECK(vocab_size > 0, source, ": vocab_size must be positive (got ", vocab_size, ")");
  BCJR_CHECK(hidden_size > 0, source, ": hidden_size must be positive (got ", hidden_size, ")");
  BCJR_CHECK(intermediate_size > 0, source, ": intermediate_size must be positive (got ", intermediate_size, ")");
  BCJR_CHECK(num_hidden_layers > 0, source, ": num_hidden_layers must be positive (got ", num_hidden_layers, ")");
  BCJR_CHECK(num_attention_heads > 0, source, ": num_attention_heads must be positive");
  BCJR_CHECK(num_key_value_heads > 0 && num_attention_heads % num_key_value_heads == 0, source,
             ": num_key_value_heads (", num_key_value_heads, ") must divide num_attention_heads (", num_attention_heads,
             ")");
  BCJR_CHECK(head_dim > 0 && head_dim % 2 == 0, source, ": head_dim must be positive and even (got ", head_dim, ")");
  BCJR_CHECK(rms_norm_eps > 0, source, ": rms_norm_eps must be positive");
  BCJR_CHECK(rope_theta > 0, source, ": rope_theta must be positive");
  BCJR_CHECK(max_position_embeddings > 0, source, ": max_position_embeddings must be positive");
  BCJR_CHECK(rope_scaling.type == "default" || rope_scaling.type == "llama3", source,
             ": unsupported rope scaling type '", rope_scaling.type, "'");
  if (rope_scaling.type == "llama3") {
    BCJR_CHECK(rope_scaling.factor >= 1.0, source, ": llama3 rope_scaling factor must be >= 1");
    BCJR_CHECK(rope_scaling.low_freq_factor > 0 && rope_scaling.high_freq_factor > rope_scaling.low_freq_factor, source,
               ": llama3 rope_scaling needs 0 < low_freq_factor < high_freq_factor");
    BCJR_CHECK(rope_scaling.original_max_position_embeddings > 0, source,
               ": llama3 rope_scaling original_max_position_embeddings must be positive");
  }
  BCJR_CHECK(bos_token_id >= -1 && bos_token_id < vocab_size, source, ": bos_token_id ", bos_token_id,
             " is outside the vocabulary");
  for (int64_t e : eos_token_ids)
    BCJR_CHECK(e >= 0 && e < vocab_size, source, ": eos_token_id ", e, " is outside the vocabulary");
}

LlamaConfig parse_hf_config(const std::string& path) {
  const std::string text = read_file(path, kMaxConfigJsonBytes, "config.json");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail(path, ": invalid JSON: ", e.what());
  }
  BCJR_CHECK(j.is_object(), path, ": not a JSON object");

  LlamaConfig c;
  if (j.contains("architectures") && !j["architectures"].is_null()) {
    BCJR_CHECK(j["architectures"].is_array() && !j["architectures"].empty(), path,
               ": 'architectures' must be a non-empty list");
    for (const json& a : j["architectures"]) {
      const std::string name = a.is_string() ? a.get<std::string>() : a.dump();
      BCJR_CHECK(name == "LlamaForCausalLM", path, ": unsupported architecture '", name,
                 "' (only LlamaForCausalLM is supported)");
    }
  }
  if (j.contains("model_type") && j["model_type"].is_string())
    BCJR_CHECK(j["model_type"] == "llama", path, ": unsupported model_type '", j["model_type"].get<std::string>(),
               "' (only llama is supported)");
  if (j.contains("hidden_act") && j["hidden_act"].is_string())
    BCJR_CHECK(j["hidden_act"] == "silu", path, ": unsupported hidden_act '", j["hidden_act"].get<std::string>(),
               "' (only silu is supported)");
  BCJR_CHECK(!optional_bool(j, "attention_bias", false, path), path,
             ": attention biases (attention_bias: true) are not supported");
  BCJR_CHECK(!optional_bool(j, "mlp_bias", false, path), path, ": MLP biases (mlp_bias: true) are not supported");

  c.vocab_size = required_int(j, "vocab_size", path);
  c.hidden_size = required_int(j, "hidden_size", path);
  c.intermediate_size = required_int(j, "intermediate_size", path);
  c.num_hidden_layers = required_int(j, "num_hidden_layers", path);
  c.num_attention_heads = required_int(j, "num_attention_heads", path);
  c.num_key_value_heads = optional_int(j, "num_key_value_heads", c.num_attention_heads, path);
  BCJR_CHECK(c.num_attention_heads > 0, path, ": num_attention_heads must be positive");
  c.head_dim = optional_int(j, "head_dim", c.hidden_size / c.num_attention_heads, path);
  c.rms_norm_eps = optional_real(j, "rms_norm_eps", 1e-6, path);  // HF LlamaConfig's default
  c.rope_theta = optional_real(j, "rope_theta", 10000.0, path);
  c.rope_scaling = parse_rope_scaling(j, path);
  c.max_position_embeddings = optional_int(j, "max_position_embeddings", 2048, path);
  c.tie_word_embeddings = optional_bool(j, "tie_word_embeddings", false, path);
  c.bos_token_id = optional_int(j, "bos_token_id", -1, path);
  if (j.contains("eos_token_id") && !j["eos_token_id"].is_null()) {
    const json& e = j["eos_token_id"];
    if (e.is_array()) {
      for (const json& x : e) {
        BCJR_CHECK(x.is_number_integer(), path, ": 'eos_token_id' list entries must be integers");
        c.eos_token_ids.push_back(x.get<int64_t>());
      }
    } else {
      BCJR_CHECK(e.is_number_integer(), path, ": 'eos_token_id' must be an integer or a list of integers");
      c.eos_token_ids.push_back(e.get<int64_t>());
    }
  }
  for (const char* k : {"torch_dtype", "dtype"})
    if (j.contains(k) && j[k].is_string()) {
      c.torch_dtype = j[k].get<std::string>();
      break;
    }
  c.architecture = "LlamaForCausalLM";
  c.validate(path);
  return c;
}

}  // namespace bcjr::model
