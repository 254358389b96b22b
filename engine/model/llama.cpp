#include "engine/model/llama.h"

#include <cmath>
#include <limits>
#include <set>

#include <torch/torch.h>
#include <torch/version.h>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/model/cancel_point.h"
#include "engine/model/model_loader.h"

namespace bcjr::model {

const std::vector<std::string>& llama_linear_names() {
  static const std::vector<std::string> names = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                                 "gate_proj", "up_proj", "down_proj"};
  return names;
}

namespace {

std::string shape_string(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// Fills in head_dim (hidden / heads when not given) and refuses, through LlamaConfig::validate,
// what the forward pass cannot run, before anything is allocated.
LlamaConfig checked(LlamaConfig c) {
  if (c.head_dim == 0 && c.num_attention_heads > 0) {
    BCJR_CHECK(c.hidden_size % c.num_attention_heads == 0, "Llama config: hidden_size ", c.hidden_size,
               " is not divisible by num_attention_heads ", c.num_attention_heads, " and head_dim is not given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  c.validate("Llama config");
  return c;
}

// Norms and softmax run in at least fp32 (as Hugging Face's do); fp64 models stay in fp64.
torch::Dtype accumulation_dtype(const torch::Tensor& x) {
  return x.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t h = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1);
}

torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& rope) {
  return x * rope.cos + rotate_half(x) * rope.sin;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

RMSNormImpl::RMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  auto xf = x.to(accumulation_dtype(x));
  auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return weight * normed.to(x.scalar_type());
}

torch::Tensor rope_inverse_frequencies(const LlamaConfig& config) {
  const LlamaConfig c = checked(config);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto exponent = torch::arange(0, c.head_dim, 2, f64) / static_cast<double>(c.head_dim);
  auto inv = 1.0 / torch::pow(c.rope_theta, exponent);
  if (c.rope_scaling.type != "llama3") return inv;
  // Llama 3.1 frequency scaling: long wavelengths slowed by `factor`, short ones kept, and a
  // smooth blend between the two bands.
  const RopeScaling& s = c.rope_scaling;
  const double old_len = static_cast<double>(s.original_max_position_embeddings);
  const double low_wavelen = old_len / s.low_freq_factor, high_wavelen = old_len / s.high_freq_factor;
  auto wavelen = 2 * M_PI / inv;
  auto scaled = torch::where(wavelen > low_wavelen, inv / s.factor, inv);
  auto smooth = (old_len / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  auto blended = (1 - smooth) * scaled / s.factor + smooth * scaled;
  auto medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(medium, blended, scaled);
}

// ---------------------------------------------------------------------------------------------

LlamaLinearImpl::LlamaLinearImpl(int64_t in_features, int64_t out_features, std::string name)
    : in_(in_features), out_(out_features), name_(std::move(name)) {
  weight = register_parameter("weight", torch::zeros({out_features, in_features}));
}

torch::Tensor LlamaLinearImpl::effective_weight() {
  if (!provider_) return weight;
  torch::Tensor w = provider_();
  BCJR_CHECK(w.defined() && w.dim() == 2 && w.size(0) == out_ && w.size(1) == in_, "weight provider of ",
             name_, " returned ", w.defined() ? shape_string(w) : std::string("an undefined tensor"),
             ", expected [", out_, ", ", in_, "]");
  return w;
}

torch::Tensor LlamaLinearImpl::forward(const torch::Tensor& x) {
  if (observer_) observer_(x);
  torch::Tensor w = effective_weight();
  BCJR_CHECK(w.device() == x.device(), "weight of ", name_, " is on ", w.device().str(), " but its input is on ",
             x.device().str());
  if (w.scalar_type() != x.scalar_type()) w = w.to(x.scalar_type());
  return torch::linear(x, w);
}

void LlamaLinearImpl::set_weight(const torch::Tensor& w, const std::string& source) {
  BCJR_CHECK(w.defined() && w.dim() == 2 && w.size(0) == out_ && w.size(1) == in_, source, ": shape ",
             w.defined() ? shape_string(w) : std::string("(undefined)"), " does not fit ", name_, " [", out_,
             ", ", in_, "]");
  torch::NoGradGuard no_grad;
  weight.copy_(w);
}

void LlamaLinearImpl::set_weight_provider(WeightProvider provider) { provider_ = std::move(provider); }

void LlamaLinearImpl::set_input_observer(InputObserver observer) { observer_ = std::move(observer); }

// ---------------------------------------------------------------------------------------------

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaConfig& c, const std::string& prefix)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_dim) {
  q_proj = register_module("q_proj", LlamaLinear(c.hidden_size, heads_ * head_dim_, prefix + "q_proj"));
  k_proj = register_module("k_proj", LlamaLinear(c.hidden_size, kv_heads_ * head_dim_, prefix + "k_proj"));
  v_proj = register_module("v_proj", LlamaLinear(c.hidden_size, kv_heads_ * head_dim_, prefix + "v_proj"));
  o_proj = register_module("o_proj", LlamaLinear(heads_ * head_dim_, c.hidden_size, prefix + "o_proj"));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const RopeTables& rope) {
  const int64_t B = x.size(0), T = x.size(1), D = head_dim_, G = kv_heads_, R = heads_ / kv_heads_;
  auto q = apply_rope(q_proj(x).view({B, T, heads_, D}).transpose(1, 2), rope);  // [B, H, T, D]
  auto k = apply_rope(k_proj(x).view({B, T, G, D}).transpose(1, 2), rope);       // [B, G, T, D]
  auto v = v_proj(x).view({B, T, G, D}).transpose(1, 2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  torch::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  if (x.is_cuda()) {
    // The fused kernel (flash / memory-efficient) on GPUs; CPU keeps the explicit path below,
    // which the tests compare with an independent reference.
    auto k_rep = k.repeat_interleave(R, 1), v_rep = v.repeat_interleave(R, 1);
    out = at::scaled_dot_product_attention(q, k_rep, v_rep, {}, 0.0, /*is_causal=*/true);
  }
#endif
  if (!out.defined()) {
    // Query head h reads key/value head h / R. Stacking the R query heads of a group along the
    // time axis lets one matmul serve the whole group without copying K and V R times.
    auto qg = (q * scale).reshape({B, G, R * T, D});
    auto scores = torch::matmul(qg, k.transpose(-1, -2));  // [B, G, R*T, T]
    auto future = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
    scores.masked_fill_(future.repeat({R, 1}), -std::numeric_limits<double>::infinity());
    auto probs = torch::softmax(scores, -1, accumulation_dtype(scores)).to(q.scalar_type());
    out = torch::matmul(probs, v).view({B, heads_, T, D});
  }
  return o_proj(out.transpose(1, 2).reshape({B, T, heads_ * D}));
}

LlamaMLPImpl::LlamaMLPImpl(const LlamaConfig& c, const std::string& prefix) {
  gate_proj = register_module("gate_proj", LlamaLinear(c.hidden_size, c.intermediate_size, prefix + "gate_proj"));
  up_proj = register_module("up_proj", LlamaLinear(c.hidden_size, c.intermediate_size, prefix + "up_proj"));
  down_proj = register_module("down_proj", LlamaLinear(c.intermediate_size, c.hidden_size, prefix + "down_proj"));
}

torch::Tensor LlamaMLPImpl::forward(const torch::Tensor& x) {
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaConfig& c, int64_t index) {
  const std::string prefix = "model.layers." + std::to_string(index) + ".";
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  self_attn = register_module("self_attn", LlamaAttention(c, prefix + "self_attn."));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  mlp = register_module("mlp", LlamaMLP(c, prefix + "mlp."));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const RopeTables& rope) {
  auto h = x + self_attn(input_layernorm(x), rope);
  return h + mlp(post_attention_layernorm(h));
}

LlamaLinear LlamaDecoderLayerImpl::linear(const std::string& name) {
  if (name == "q_proj") return self_attn->q_proj;
  if (name == "k_proj") return self_attn->k_proj;
  if (name == "v_proj") return self_attn->v_proj;
  if (name == "o_proj") return self_attn->o_proj;
  if (name == "gate_proj") return mlp->gate_proj;
  if (name == "up_proj") return mlp->up_proj;
  if (name == "down_proj") return mlp->down_proj;
  fail("unknown linear '", name, "' (expected one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
}

// ---------------------------------------------------------------------------------------------

LlamaModelImpl::LlamaModelImpl(LlamaConfig config) : config_(checked(std::move(config))) {
  const LlamaConfig& c = config_;
  embed_tokens = register_parameter("embed_tokens", torch::zeros({c.vocab_size, c.hidden_size}));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layer_list_.push_back(LlamaDecoderLayer(c, i));
    layers->push_back(layer_list_.back());
  }
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  if (!c.tie_word_embeddings) lm_head = register_parameter("lm_head", torch::zeros({c.vocab_size, c.hidden_size}));
  inv_freq_ = rope_inverse_frequencies(c);
}

RopeTables LlamaModelImpl::rope_for(int64_t T, torch::Device device, torch::Dtype dtype) {
  if (rope_cache_len_ != T || rope_cache_.cos.device() != device || rope_cache_.cos.scalar_type() != dtype) {
    // Angles in fp64 so that long contexts keep their precision; the tables then take the
    // activations' dtype, as Hugging Face's do.
    auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kFloat64));
    auto freqs = torch::outer(pos, inv_freq_);
    auto angles = torch::cat({freqs, freqs}, -1);
    rope_cache_ = {angles.cos().to(device, dtype), angles.sin().to(device, dtype)};
    rope_cache_len_ = T;
  }
  return rope_cache_;
}

torch::Tensor LlamaModelImpl::embed(const torch::Tensor& tokens) {
  BCJR_CHECK(tokens.defined() && (tokens.dim() == 1 || tokens.dim() == 2) &&
                 (tokens.scalar_type() == torch::kInt64 || tokens.scalar_type() == torch::kInt32),
             "Llama forward: tokens must be an int64 or int32 tensor [B, T] or [T]");
  auto ids = tokens.dim() == 1 ? tokens.unsqueeze(0) : tokens;
  BCJR_CHECK(ids.size(1) > 0, "Llama forward: empty token sequence");
  const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
  BCJR_CHECK(lo >= 0 && hi < config_.vocab_size, "Llama forward: token id ", lo < 0 ? lo : hi,
             " is outside the vocabulary [0, ", config_.vocab_size, ")");
  return torch::embedding(embed_tokens, ids.to(embed_tokens.device(), torch::kInt64));
}

torch::Tensor LlamaModelImpl::forward_layers(const torch::Tensor& hidden, int64_t first, int64_t last) {
  BCJR_CHECK(0 <= first && first <= last && last <= num_layers(), "Llama forward_layers: range [", first, ", ",
             last, ") is not within the model's ", num_layers(), " layers");
  BCJR_CHECK(hidden.dim() == 3 && hidden.size(2) == config_.hidden_size, "Llama forward_layers: hidden states ",
             shape_string(hidden), " are not [B, T, ", config_.hidden_size, "]");
  const RopeTables rope = rope_for(hidden.size(1), hidden.device(), hidden.scalar_type());
  torch::Tensor h = hidden;
  for (int64_t i = first; i < last; ++i) {
    check_cancel();
    h = layer_list_[i]->forward(h, rope);
    if (h.requires_grad() && i + 1 < last) h = cancel_point(h);  // a check between layers of the backward
  }
  return h;
}

torch::Tensor LlamaModelImpl::final_norm(const torch::Tensor& hidden) { return norm(hidden); }

torch::Tensor LlamaModelImpl::output_weight() const { return lm_head.defined() ? lm_head : embed_tokens; }

torch::Tensor LlamaModelImpl::head(const torch::Tensor& hidden) {
  return torch::linear(final_norm(hidden), output_weight());
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& tokens) {
  return head(forward_layers(embed(tokens), 0, num_layers()));
}

LlamaDecoderLayer LlamaModelImpl::layer(int64_t i) {
  BCJR_CHECK(0 <= i && i < num_layers(), "layer ", i, " does not exist (the model has ", num_layers(), " layers)");
  return layer_list_[i];
}

LlamaLinear LlamaModelImpl::linear(int64_t layer_index, const std::string& name) {
  return layer(layer_index)->linear(name);
}

void LlamaModelImpl::set_linear_weight(int64_t layer_index, const std::string& name, const torch::Tensor& w,
                                       const std::string& source) {
  linear(layer_index, name)->set_weight(w, source);
}

void LlamaModelImpl::set_weight_provider(int64_t layer_index, const std::string& name,
                                         LlamaLinearImpl::WeightProvider p) {
  linear(layer_index, name)->set_weight_provider(std::move(p));
}

void LlamaModelImpl::set_input_observer(int64_t layer_index, const std::string& name,
                                        LlamaLinearImpl::InputObserver o) {
  linear(layer_index, name)->set_input_observer(std::move(o));
}

namespace {
// Parameter paths here ("layers.3.mlp.up_proj.weight") -> Hugging Face tensor names.
std::string hf_name(const std::string& param) {
  if (param == "embed_tokens") return "model.embed_tokens.weight";
  if (param == "lm_head") return "lm_head.weight";
  return "model." + param;
}
}  // namespace

void LlamaModelImpl::load_weights(const std::map<std::string, torch::Tensor>& tensors, const std::string& source) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& item : named_parameters()) {
    const std::string name = hf_name(item.key());
    auto it = tensors.find(name);
    BCJR_CHECK(it != tensors.end(), source, ": tensor ", name, " is missing");
    const torch::Tensor& t = it->second;
    BCJR_CHECK(t.defined() && t.sizes() == item.value().sizes(), source, ": tensor ", name, " has shape ",
               t.defined() ? shape_string(t) : std::string("(undefined)"), ", expected ",
               shape_string(item.value()));
    item.value().copy_(t);
    used.insert(name);
  }
  for (auto& [name, t] : tensors) {
    if (used.count(name)) continue;
    // Tied checkpoints sometimes store the head anyway; old ones store RoPE frequencies.
    if (name == "lm_head.weight" && config_.tie_word_embeddings) continue;
    const std::string rope_buffer = "rotary_emb.inv_freq";
    if (name.size() >= rope_buffer.size() &&
        name.compare(name.size() - rope_buffer.size(), rope_buffer.size(), rope_buffer) == 0)
      continue;
    fail(source, ": unexpected tensor ", name, " (not part of a ", num_layers(), "-layer Llama with this config)");
  }
}

LlamaModel llama_from_tensors(const LlamaConfig& config, const std::map<std::string, torch::Tensor>& tensors,
                              const std::string& source) {
  LlamaModel model(config);
  model->load_weights(tensors, source);
  return model;
}

LlamaModel llama_from_loaded(const LoadedModel& loaded) {
  BCJR_CHECK(!loaded.tensors.empty(), loaded.path, ": the model was loaded without its tensors");
  return llama_from_tensors(loaded.config, loaded.tensors, loaded.path);
}

}  // namespace bcjr::model
