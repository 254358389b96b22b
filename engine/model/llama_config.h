// The hyper-parameters of a Llama-architecture model, read from a Hugging Face config.json or
// from GGUF metadata (llama.*). Everything the forward pass needs, nothing it does not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::model {

struct RopeScaling {
  std::string type = "default";  // "default" (none) or "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct LlamaConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;  // hidden_size / num_attention_heads unless given
  double rms_norm_eps = 1e-5;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  int64_t max_position_embeddings = 2048;
  bool tie_word_embeddings = false;
  int64_t bos_token_id = -1;               // -1: none
  std::vector<int64_t> eos_token_ids;      // config.json allows one id or a list
  std::string torch_dtype = "float32";     // as stored: float32, float16, bfloat16, or a GGUF quant mix
  std::string architecture = "LlamaForCausalLM";

  // Throws bcjr::Error naming `source` if a value is missing, inconsistent or unsupported.
  void validate(const std::string& source) const;
};

// Parses a Hugging Face config.json (refusing other architectures, attention/MLP biases and
// unsupported rope types with a message that names them).
LlamaConfig parse_hf_config(const std::string& config_json_path);

}  // namespace bcjr::model
