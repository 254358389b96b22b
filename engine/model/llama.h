// The Llama forward pass in LibTorch: embeddings, decoder layers (RMSNorm, RoPE, grouped-query
// attention, SwiGLU MLP) and the output head, with hooks that the quantisation engine needs:
// replacing any linear's weight (by a tensor or by a callable evaluated at every forward, so
// autograd reaches what it depends on), observing the inputs of a linear, and running a range of
// layers on its own. Weights use Hugging Face names and layouts (half-split "rotate_half" RoPE).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "engine/model/llama_config.h"

namespace bcjr::model {

// Names of the seven linears of a decoder layer, in the order the paper's snapshots list them.
const std::vector<std::string>& llama_linear_names();  // q_proj k_proj v_proj o_proj gate_proj up_proj down_proj

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  // Normalises in fp32 (as Hugging Face does) and returns the input's dtype.
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

// Inverse frequencies of the rotary embedding for `config` (head_dim / 2 of them), in fp64,
// with llama3 frequency scaling applied when the config asks for it.
torch::Tensor rope_inverse_frequencies(const LlamaConfig& config);

// A bias-free linear whose weight can be replaced. The weight used at a forward is, in order of
// precedence: the provider's result (called at every forward), else the stored parameter.
class LlamaLinearImpl : public torch::nn::Module {
 public:
  using WeightProvider = std::function<torch::Tensor()>;
  using InputObserver = std::function<void(const torch::Tensor&)>;

  LlamaLinearImpl(int64_t in_features, int64_t out_features, std::string name);
  torch::Tensor forward(const torch::Tensor& x);

  // Copies `w` ([out, in], any dtype/device) into the stored weight; `source` names it in errors.
  void set_weight(const torch::Tensor& w, const std::string& source = "weight");
  // The provider must return an [out, in] tensor on the input's device; it is cast to the
  // input's dtype. An empty function removes the provider.
  void set_weight_provider(WeightProvider provider);
  bool has_weight_provider() const { return static_cast<bool>(provider_); }
  // Called with each forward's input [..., in] before the product (e.g. to accumulate X^T X).
  void set_input_observer(InputObserver observer);
  // The weight the next forward would use.
  torch::Tensor effective_weight();

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  const std::string& name() const { return name_; }
  torch::Tensor weight;

 private:
  int64_t in_, out_;
  std::string name_;
  WeightProvider provider_;
  InputObserver observer_;
};
TORCH_MODULE(LlamaLinear);

// cos and sin tables [T, head_dim] for positions 0..T-1, in the dtype of the activations.
struct RopeTables {
  torch::Tensor cos, sin;
};

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  // `prefix` (e.g. "model.layers.3.self_attn.") names the linears in errors.
  LlamaAttentionImpl(const LlamaConfig& c, const std::string& prefix);
  torch::Tensor forward(const torch::Tensor& x, const RopeTables& rope);
  LlamaLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(LlamaAttention);

class LlamaMLPImpl : public torch::nn::Module {
 public:
  LlamaMLPImpl(const LlamaConfig& c, const std::string& prefix);
  torch::Tensor forward(const torch::Tensor& x);
  LlamaLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMLP);

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  LlamaDecoderLayerImpl(const LlamaConfig& c, int64_t index);
  torch::Tensor forward(const torch::Tensor& x, const RopeTables& rope);
  // One of llama_linear_names(); throws bcjr::Error naming `name` otherwise.
  LlamaLinear linear(const std::string& name);

  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  LlamaMLP mlp{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

class LlamaModelImpl : public torch::nn::Module {
 public:
  // Parameters start at zero (norms at one) until load_weights() fills them. Throws
  // bcjr::Error if the config cannot describe a model (sizes, head counts, rope type).
  explicit LlamaModelImpl(LlamaConfig config);

  // tokens: int64 [B, T] (or [T]); returns logits [B, T, vocab] in the model's dtype.
  torch::Tensor forward(const torch::Tensor& tokens);
  // The pieces of forward(), for per-layer work: embed -> forward_layers -> head.
  torch::Tensor embed(const torch::Tensor& tokens);
  // Runs layers [first, last) on hidden states [B, T, hidden] at positions 0..T-1.
  torch::Tensor forward_layers(const torch::Tensor& hidden, int64_t first, int64_t last);
  // Final RMSNorm and output projection: [B, T, hidden] -> [B, T, vocab].
  torch::Tensor head(const torch::Tensor& hidden);
  torch::Tensor final_norm(const torch::Tensor& hidden);    // the norm alone
  torch::Tensor output_weight() const;                      // lm_head, or the embeddings when tied

  // Copies Hugging Face-named tensors (model.embed_tokens.weight, model.layers.N...,
  // model.norm.weight, lm_head.weight unless tied) into the parameters. Every expected tensor
  // must be present with its exact shape; `source` names the origin in errors.
  void load_weights(const std::map<std::string, torch::Tensor>& tensors, const std::string& source);

  LlamaDecoderLayer layer(int64_t i);
  LlamaLinear linear(int64_t layer, const std::string& name);
  void set_linear_weight(int64_t layer, const std::string& name, const torch::Tensor& w,
                         const std::string& source = "weight");
  void set_weight_provider(int64_t layer, const std::string& name, LlamaLinearImpl::WeightProvider p);
  void set_input_observer(int64_t layer, const std::string& name, LlamaLinearImpl::InputObserver o);

  const LlamaConfig& config() const { return config_; }
  int64_t num_layers() const { return config_.num_hidden_layers; }
  torch::Device device() const { return embed_tokens.device(); }
  torch::Dtype dtype() const { return embed_tokens.scalar_type(); }

  torch::Tensor embed_tokens;  // [vocab, hidden]
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
  torch::Tensor lm_head;  // [vocab, hidden]; undefined when tied

 private:
  RopeTables rope_for(int64_t T, torch::Device device, torch::Dtype dtype);
  LlamaConfig config_;
  std::vector<LlamaDecoderLayer> layer_list_;  // the same modules as `layers`, typed
  torch::Tensor inv_freq_;  // fp64, CPU
  RopeTables rope_cache_;
  int64_t rope_cache_len_ = -1;
};
TORCH_MODULE(LlamaModel);

// A model with the given config and Hugging Face-named weights, in fp32 on the CPU.
LlamaModel llama_from_tensors(const LlamaConfig& config, const std::map<std::string, torch::Tensor>& tensors,
                              const std::string& source);

}  // namespace bcjr::model
