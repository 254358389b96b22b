// What a llama-architecture GGUF file means in Hugging Face terms: the LlamaConfig from llama.*
// metadata, the TokenizerSpec from tokenizer.ggml.*, HF tensor names for GGUF ones, and the
// q/k row order (llama.cpp permutes q and k rows for interleaved RoPE; HF uses the half split).
#pragma once

#include <torch/types.h>

#include <string>

#include "engine/model/llama_config.h"
#include "engine/model/tokenizer_spec.h"

namespace bcjr::model {

class GgufFile;

// Throws bcjr::Error naming the file and key for another architecture or a missing/invalid key.
LlamaConfig llama_config_from_gguf(const GgufFile& gguf);
TokenizerSpec tokenizer_spec_from_gguf(const GgufFile& gguf);

// "blk.3.attn_q.weight" -> "model.layers.3.self_attn.q_proj.weight", "token_embd.weight" ->
// "model.embed_tokens.weight", "output.weight" -> "lm_head.weight", ...; returns "" for names
// that have no HF counterpart (the caller decides whether that is an error).
std::string hf_tensor_name(const std::string& gguf_name);

// Undoes llama.cpp's permutation of a q or k projection weight [n_head * head_dim, in]
// (n_head = attention heads for q, key/value heads for k), giving HF's layout.
torch::Tensor unpermute_qk_rows(const torch::Tensor& w, int64_t n_head);
// The permutation itself (HF -> GGUF), used by tests and by exporters writing GGUF.
torch::Tensor permute_qk_rows(const torch::Tensor& w, int64_t n_head);

}  // namespace bcjr::model
