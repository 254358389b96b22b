#include "engine/model/gguf_llama.h"

#include <torch/torch.h>

#include <cstdlib>
#include <cstring>
#include <map>

#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/model/gguf.h"

namespace bcjr::model {
namespace {

int64_t optional_int(const GgufFile& g, const std::string& key, int64_t fallback) {
  return g.find(key) ? g.get_int(key) : fallback;
}

}  // namespace

LlamaConfig llama_config_from_gguf(const GgufFile& g) {
  const std::string& arch = g.get_string("general.architecture");
  BCJR_CHECK(arch == "llama", g.path(), ": unsupported GGUF architecture '", arch, "' (only llama is supported)");
  LlamaConfig c;
  c.hidden_size = g.get_int("llama.embedding_length");
  c.intermediate_size = g.get_int("llama.feed_forward_length");
  c.num_hidden_layers = g.get_int("llama.block_count");
  c.num_attention_heads = g.get_int("llama.attention.head_count");
  BCJR_CHECK(c.num_attention_heads > 0, g.path(), ": llama.attention.head_count must be positive");
  c.num_key_value_heads = optional_int(g, "llama.attention.head_count_kv", c.num_attention_heads);
  c.head_dim = optional_int(g, "llama.attention.key_length", c.hidden_size / c.num_attention_heads);
  BCJR_CHECK(optional_int(g, "llama.attention.value_length", c.head_dim) == c.head_dim, g.path(),
             ": llama.attention.value_length differs from key_length, which Llama does not do");
  const int64_t rot = optional_int(g, "llama.rope.dimension_count", c.head_dim);
  BCJR_CHECK(rot == c.head_dim, g.path(), ": partial rotary embeddings (llama.rope.dimension_count ", rot,
             " != head dim ", c.head_dim, ") are not supported");
  c.rms_norm_eps = g.get_float("llama.attention.layer_norm_rms_epsilon");
  c.rope_theta = g.find("llama.rope.freq_base") ? g.get_float("llama.rope.freq_base") : 10000.0;
  c.max_position_embeddings = optional_int(g, "llama.context_length", c.max_position_embeddings);
  if (g.find("llama.rope.scaling.type")) {
    const std::string& t = g.get_string("llama.rope.scaling.type");
    BCJR_CHECK(t == "none", g.path(), ": unsupported rope scaling type '", t, "' (llama.rope.scaling.type)");
  }
  // llama.cpp stores Llama-3.1-style scaling as precomputed per-frequency factors; LlamaConfig
  // describes it by its parameters, which cannot be recovered reliably from the factors.
  BCJR_CHECK(!g.find_tensor("rope_freqs.weight"), g.path(),
             ": rope scaling stored as per-frequency factors (tensor rope_freqs.weight) is not supported; "
             "load the Hugging Face folder instead");
  c.vocab_size = static_cast<int64_t>(g.get_array("tokenizer.ggml.tokens").array_size);
  if (g.find("llama.vocab_size"))
    BCJR_CHECK(g.get_int("llama.vocab_size") == c.vocab_size, g.path(), ": llama.vocab_size ",
               g.get_int("llama.vocab_size"), " differs from the ", c.vocab_size, " tokens in tokenizer.ggml.tokens");
  c.tie_word_embeddings = g.find_tensor("output.weight") == nullptr;
  c.bos_token_id = optional_int(g, "tokenizer.ggml.bos_token_id", -1);
  if (g.find("tokenizer.ggml.eos_token_id")) c.eos_token_ids = {g.get_int("tokenizer.ggml.eos_token_id")};
  // The dtype of most weights, as a summary ("Q4_1"); per-tensor types are in LoadedModel.
  std::map<std::string, int> counts;
  for (const GgufTensorInfo& t : g.tensors())
    if (t.ne.size() == 2) ++counts[ggml_type_name(t.type)];
  std::string most;
  for (const auto& [name, n] : counts)
    if (most.empty() || n > counts[most]) most = name;
  c.torch_dtype = most.empty() ? "gguf" : most;
  c.architecture = "LlamaForCausalLM";
  c.validate(g.path());
  return c;
}

TokenizerSpec tokenizer_spec_from_gguf(const GgufFile& g) {
  TokenizerSpec s;
  const std::string& model = g.get_string("tokenizer.ggml.model");
  if (model == "gpt2")
    s.kind = "bpe-bytelevel";
  else if (model == "llama")
    s.kind = "bpe-sentencepiece";
  else
    fail(g.path(), ": unsupported tokenizer model '", printable(model), "' (tokenizer.ggml.model; supported: gpt2, llama)");
  const bool spm = s.kind == "bpe-sentencepiece";

  const GgufValue& tokens = g.get_array("tokenizer.ggml.tokens");
  BCJR_CHECK(tokens.element_type == GgufValueType::STRING && !tokens.strings.empty(), g.path(),
             ": tokenizer.ggml.tokens must be a non-empty array of strings");
  s.tokens = tokens.strings;
  const size_t n = s.tokens.size();
  if (const GgufValue* v = g.find("tokenizer.ggml.scores")) {
    BCJR_CHECK(v->type == GgufValueType::ARRAY && v->reals.size() == n, g.path(),
               ": tokenizer.ggml.scores must be an array of ", n, " floats");
    s.scores.assign(v->reals.begin(), v->reals.end());
  }
  if (const GgufValue* v = g.find("tokenizer.ggml.token_type")) {
    BCJR_CHECK(v->type == GgufValueType::ARRAY && v->ints.size() == n, g.path(),
               ": tokenizer.ggml.token_type must be an array of ", n, " integers");
    for (size_t i = 0; i < n; ++i) {
      const int32_t t = static_cast<int32_t>(v->ints[i]);
      s.token_types.push_back(t);
      if (t == 3 || t == 4) s.special_ids.push_back(static_cast<int32_t>(i));
      if (t == 6) s.byte_fallback = true;
    }
  }
  if (const GgufValue* v = g.find("tokenizer.ggml.merges")) {
    BCJR_CHECK(v->type == GgufValueType::ARRAY && v->element_type == GgufValueType::STRING, g.path(),
               ": tokenizer.ggml.merges must be an array of strings");
    s.merges.reserve(v->strings.size());
    for (const std::string& m : v->strings) {
      const size_t sp = m.find(' ', 1);  // from position 1: neither part is ever empty
      BCJR_CHECK(sp != std::string::npos, g.path(), ": tokenizer.ggml.merges entry '", printable(m), "' has no space");
      s.merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
    }
  }
  BCJR_CHECK(spm || !s.merges.empty(), g.path(), ": byte-level BPE tokenizer without tokenizer.ggml.merges");
  auto id = [&](const char* key) -> int32_t {
    if (!g.find(key)) return -1;
    const int64_t v = g.get_int(key);
    BCJR_CHECK(v >= 0 && v < static_cast<int64_t>(n), g.path(), ": ", key, " ", v, " is outside the vocabulary");
    return static_cast<int32_t>(v);
  };
  s.bos_id = id("tokenizer.ggml.bos_token_id");
  s.eos_id = id("tokenizer.ggml.eos_token_id");
  s.unk_id = id("tokenizer.ggml.unknown_token_id");
  s.pad_id = id("tokenizer.ggml.padding_token_id");
  // Defaults where the file is silent are llama.cpp's: SentencePiece models add BOS and a
  // leading space, byte-level ones neither.
  s.add_bos = g.find("tokenizer.ggml.add_bos_token") ? g.get_bool("tokenizer.ggml.add_bos_token") : spm;
  s.add_prefix_space = g.find("tokenizer.ggml.add_space_prefix") ? g.get_bool("tokenizer.ggml.add_space_prefix") : spm;
  if (g.find("tokenizer.ggml.pre"))
    s.pre = g.get_string("tokenizer.ggml.pre");
  else if (!spm)
    s.pre = "gpt2";
  s.individual_digits = s.pre == "smollm";  // SmolLM's pre-tokenizer: Digits(individual) + ByteLevel
  return s;
}

std::string hf_tensor_name(const std::string& name) {
  static const std::map<std::string, std::string> global = {
      {"token_embd", "model.embed_tokens"}, {"output_norm", "model.norm"}, {"output", "lm_head"}};
  static const std::map<std::string, std::string> block = {
      {"attn_q", "self_attn.q_proj"},      {"attn_k", "self_attn.k_proj"},   {"attn_v", "self_attn.v_proj"},
      {"attn_output", "self_attn.o_proj"}, {"ffn_gate", "mlp.gate_proj"},    {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},       {"attn_norm", "input_layernorm"}, {"ffn_norm", "post_attention_layernorm"}};
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return "";
  const std::string suffix = name.substr(dot);  // ".weight" or ".bias"
  if (suffix != ".weight" && suffix != ".bias") return "";
  const std::string stem = name.substr(0, dot);
  if (auto it = global.find(stem); it != global.end()) return it->second + suffix;
  if (stem.rfind("blk.", 0) != 0) return "";
  const size_t dot2 = stem.find('.', 4);
  if (dot2 == std::string::npos || dot2 == 4) return "";
  const std::string layer = stem.substr(4, dot2 - 4);
  if (layer.find_first_not_of("0123456789") != std::string::npos || (layer.size() > 1 && layer[0] == '0')) return "";
  auto it = block.find(stem.substr(dot2 + 1));
  if (it == block.end()) return "";
  return "model.layers." + layer + "." + it->second + suffix;
}

namespace {
// Plain row copies rather than torch reshapes: LibTorch's OpenMP pool would otherwise keep
// spinning after each copy and slow the loader's own dequantisation threads on small machines.
torch::Tensor swap_row_halves(const torch::Tensor& w, int64_t n_head, bool to_hf) {
  BCJR_CHECK(w.dim() >= 1 && n_head > 0 && w.size(0) % (2 * n_head) == 0, "q/k weight with ",
             w.dim() >= 1 ? w.size(0) : 0, " rows cannot be split into ", n_head, " heads of even size");
  const torch::Tensor src = w.contiguous();
  torch::Tensor out = torch::empty_like(src);
  const int64_t rows = src.size(0), head = rows / n_head, half = head / 2;
  const size_t row_bytes = rows ? src.nbytes() / static_cast<size_t>(rows) : 0;
  const auto* from = static_cast<const uint8_t*>(src.data_ptr());
  auto* to = static_cast<uint8_t*>(out.data_ptr());
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t i = 0; i < half; ++i)
      for (int64_t k = 0; k < 2; ++k) {
        const int64_t hf_row = h * head + k * half + i, gguf_row = h * head + 2 * i + k;
        const int64_t dst = to_hf ? hf_row : gguf_row, srow = to_hf ? gguf_row : hf_row;
        std::memcpy(to + dst * row_bytes, from + srow * row_bytes, row_bytes);
      }
  return out;
}
}  // namespace

// llama.cpp's convert script lays out each head's rows as (pairs, 2) from HF's (2, pairs):
// rows i and i + half of a head become neighbours 2i, 2i + 1.
torch::Tensor unpermute_qk_rows(const torch::Tensor& w, int64_t n_head) {
  return swap_row_halves(w, n_head, true);
}
torch::Tensor permute_qk_rows(const torch::Tensor& w, int64_t n_head) {
  return swap_row_halves(w, n_head, false);
}

}  // namespace bcjr::model
