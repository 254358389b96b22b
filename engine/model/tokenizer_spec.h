// What a tokenizer is made of, independent of the file it came from: the GGUF loader fills it
// from tokenizer.ggml.* metadata, the tokenizer.json reader from the JSON. The Tokenizer class
// (tokenizer.h) is built from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::model {

struct TokenizerSpec {
  // "bpe-bytelevel" (GPT-2 / Llama-3 style: bytes mapped to printable code points, split regex),
  // or "bpe-sentencepiece" (Llama-2 / TinyLlama style: "▁" for spaces, <0xNN> byte fallback).
  std::string kind;
  // Pre-tokenizer flavour for bpe-bytelevel: "llama3" (Llama-3 split regex), "gpt2", "smollm"
  // (GGUF's tokenizer.ggml.pre names), or the regexes themselves in `split_regexes`.
  std::string pre;
  std::vector<std::string> split_regexes;  // applied in order, PCRE2 syntax with Unicode properties
  bool individual_digits = false;          // split digits one by one (SmolLM's Digits pre-tokenizer)
  std::vector<std::string> tokens;         // id -> token text (in the model's own encoding)
  std::vector<float> scores;               // SentencePiece scores (may be empty)
  std::vector<int32_t> token_types;        // GGUF token types: 1 normal, 2 unknown, 3 control, 4 user, 6 byte
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::vector<int32_t> special_ids;        // added/special tokens matched verbatim in the text
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = false;  // whether encode(text) starts with BOS by the model's own files
  bool byte_fallback = false;
  bool add_prefix_space = false;  // SentencePiece-style "▁" before the first word
};

}  // namespace bcjr::model
