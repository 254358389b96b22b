#include "engine/model/llama_flops.h"

#include <algorithm>

namespace bcjr::model {

namespace {
double head_dim(const LlamaConfig& c) {
  return double(c.head_dim ? c.head_dim : c.hidden_size / std::max<int64_t>(1, c.num_attention_heads));
}
}  // namespace

int64_t llama_layer_linear_params(const LlamaConfig& c) {
  const int64_t hd = int64_t(head_dim(c)), h = c.hidden_size;
  const int64_t q = c.num_attention_heads * hd, kv = c.num_key_value_heads * hd;
  return h * q + 2 * h * kv + q * h + 3 * h * c.intermediate_size;
}

double llama_layer_flops_per_token(const LlamaConfig& c, int64_t ctx, int64_t first, int64_t last) {
  const double q = c.num_attention_heads * head_dim(c);
  const double attention = 2 * q * double(ctx);  // QK^T and PV: q * ctx multiply-adds each
  const double layers = double(std::max<int64_t>(0, std::min(last, c.num_hidden_layers) - std::max<int64_t>(0, first)));
  return layers * 2 * (double(llama_layer_linear_params(c)) + attention);
}

double llama_flops_per_token(const LlamaConfig& c, int64_t ctx) {
  return llama_layer_flops_per_token(c, ctx, 0, c.num_hidden_layers) + 2 * double(c.hidden_size) * double(c.vocab_size);
}

}  // namespace bcjr::model
