#include "engine/model/llama_random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace bcjr::model {

std::map<std::string, torch::Tensor> llama_random_tensors(const LlamaConfig& config, uint64_t seed, double std) {
  const LlamaConfig& c = config;
  const int64_t hd = c.head_dim ? c.head_dim : c.hidden_size / c.num_attention_heads;
  auto gen = at::detail::createCPUGenerator(seed);
  auto normal = [&](std::vector<int64_t> shape, double mean, double s) {
    return at::normal(mean, s, shape, gen);
  };
  std::map<std::string, torch::Tensor> t;
  t["model.embed_tokens.weight"] = normal({c.vocab_size, c.hidden_size}, 0, std);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    t[p + "input_layernorm.weight"] = normal({c.hidden_size}, 1, 0.1);
    t[p + "post_attention_layernorm.weight"] = normal({c.hidden_size}, 1, 0.1);
    t[p + "self_attn.q_proj.weight"] = normal({c.num_attention_heads * hd, c.hidden_size}, 0, std);
    t[p + "self_attn.k_proj.weight"] = normal({c.num_key_value_heads * hd, c.hidden_size}, 0, std);
    t[p + "self_attn.v_proj.weight"] = normal({c.num_key_value_heads * hd, c.hidden_size}, 0, std);
    t[p + "self_attn.o_proj.weight"] = normal({c.hidden_size, c.num_attention_heads * hd}, 0, std);
    t[p + "mlp.gate_proj.weight"] = normal({c.intermediate_size, c.hidden_size}, 0, std);
    t[p + "mlp.up_proj.weight"] = normal({c.intermediate_size, c.hidden_size}, 0, std);
    t[p + "mlp.down_proj.weight"] = normal({c.hidden_size, c.intermediate_size}, 0, std);
  }
  t["model.norm.weight"] = normal({c.hidden_size}, 1, 0.1);
  if (!c.tie_word_embeddings) t["lm_head.weight"] = normal({c.vocab_size, c.hidden_size}, 0, std);
  return t;
}

LlamaConfig smollm2_135m_config() {
  LlamaConfig c;
  c.vocab_size = 49152;
  c.hidden_size = 576;
  c.intermediate_size = 1536;
  c.num_hidden_layers = 30;
  c.num_attention_heads = 9;
  c.num_key_value_heads = 3;
  c.head_dim = 64;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 100000;
  c.tie_word_embeddings = true;
  c.max_position_embeddings = 8192;
  return c;
}

}  // namespace bcjr::model
