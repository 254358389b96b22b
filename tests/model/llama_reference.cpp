#include "tests/model/llama_reference.h"

#include <cmath>
#include <limits>
#include <vector>

#include <torch/torch.h>

namespace bcjr::test {

namespace {

torch::Tensor w64(const std::map<std::string, torch::Tensor>& w, const std::string& name) {
  return w.at(name).to(torch::kFloat64);
}

torch::Tensor rms(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return x / torch::sqrt((x * x).mean({-1}, true) + eps) * weight;
}

// One inverse frequency per rotated pair, written as in Meta's llama3 reference: high band kept,
// low band divided by the factor, the band in between interpolated.
std::vector<double> inverse_frequencies(const model::LlamaConfig& c, int64_t hd) {
  std::vector<double> inv(hd / 2);
  const auto& s = c.rope_scaling;
  for (int64_t i = 0; i < hd / 2; ++i) {
    double f = 1.0 / std::pow(c.rope_theta, 2.0 * i / hd);
    if (s.type == "llama3") {
      const double wavelen = 2 * M_PI / f;
      const double low_wl = s.original_max_position_embeddings / s.low_freq_factor;
      const double high_wl = s.original_max_position_embeddings / s.high_freq_factor;
      if (wavelen < high_wl) {
      } else if (wavelen > low_wl) {
        f = f / s.factor;
      } else {
        const double smooth =
            (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        f = (1 - smooth) * f / s.factor + smooth * f;
      }
    }
    inv[i] = f;
  }
  return inv;
}

// x [B, T, hd]: pair (j, j + hd/2) rotated by angle pos * inv[j].
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t h = x.size(-1) / 2;
  auto a = x.slice(-1, 0, h), b = x.slice(-1, h, 2 * h);
  return torch::cat({a * cos - b * sin, b * cos + a * sin}, -1);
}

}  // namespace

model::LlamaConfig tiny_llama_config() {
  model::LlamaConfig c;
  c.vocab_size = 97;
  c.hidden_size = 64;
  c.intermediate_size = 112;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 2;
  c.head_dim = 16;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 10000;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 8;
  c.rope_scaling.low_freq_factor = 1;
  c.rope_scaling.high_freq_factor = 4;
  c.rope_scaling.original_max_position_embeddings = 64;  // bands: wavelength < 16, 16..64, > 64
  c.max_position_embeddings = 512;
  c.tie_word_embeddings = false;
  c.bos_token_id = 1;
  return c;
}

torch::Tensor reference_llama_logits(const model::LlamaConfig& c, const std::map<std::string, torch::Tensor>& w,
                                     const torch::Tensor& tokens) {
  const int64_t B = tokens.size(0), T = tokens.size(1), H = c.num_attention_heads, G = c.num_key_value_heads;
  const int64_t hd = c.head_dim ? c.head_dim : c.hidden_size / H;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

  std::vector<double> inv = inverse_frequencies(c, hd);
  auto cos = torch::empty({T, hd / 2}, f64), sin = torch::empty({T, hd / 2}, f64);
  auto cos_a = cos.accessor<double, 2>(), sin_a = sin.accessor<double, 2>();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < hd / 2; ++j) {
      cos_a[t][j] = std::cos(t * inv[j]);
      sin_a[t][j] = std::sin(t * inv[j]);
    }
  auto mask = torch::zeros({T, T}, f64);
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = i + 1; j < T; ++j) mask[i][j] = -std::numeric_limits<double>::infinity();

  auto x = w64(w, "model.embed_tokens.weight").index_select(0, tokens.reshape({-1})).view({B, T, c.hidden_size});
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    auto xn = rms(x, w64(w, p + "input_layernorm.weight"), c.rms_norm_eps);
    auto q = torch::matmul(xn, w64(w, p + "self_attn.q_proj.weight").t());
    auto k = torch::matmul(xn, w64(w, p + "self_attn.k_proj.weight").t());
    auto v = torch::matmul(xn, w64(w, p + "self_attn.v_proj.weight").t());
    std::vector<torch::Tensor> heads;
    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / (H / G);
      auto qh = rotate(q.slice(2, h * hd, (h + 1) * hd), cos, sin);
      auto kg = rotate(k.slice(2, g * hd, (g + 1) * hd), cos, sin);
      auto vg = v.slice(2, g * hd, (g + 1) * hd);
      auto scores = torch::matmul(qh, kg.transpose(1, 2)) / std::sqrt(static_cast<double>(hd)) + mask;
      heads.push_back(torch::matmul(torch::softmax(scores, -1), vg));
    }
    x = x + torch::matmul(torch::cat(heads, -1), w64(w, p + "self_attn.o_proj.weight").t());
    auto xn2 = rms(x, w64(w, p + "post_attention_layernorm.weight"), c.rms_norm_eps);
    auto gate = torch::matmul(xn2, w64(w, p + "mlp.gate_proj.weight").t());
    auto up = torch::matmul(xn2, w64(w, p + "mlp.up_proj.weight").t());
    auto act = gate / (1 + torch::exp(-gate));
    x = x + torch::matmul(act * up, w64(w, p + "mlp.down_proj.weight").t());
  }
  auto out = rms(x, w64(w, "model.norm.weight"), c.rms_norm_eps);
  auto head = w64(w, c.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight");
  return torch::matmul(out, head.t());
}

double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  auto a64 = a.to(torch::kFloat64).cpu(), b64 = b.to(torch::kFloat64).cpu();
  return ((a64 - b64).norm() / b64.norm()).item<double>();
}

}  // namespace bcjr::test
