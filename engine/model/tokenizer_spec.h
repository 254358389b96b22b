// What a tokenizer is made of, independent of the file it came from: the GGUF loader fills it
// from tokenizer.ggml.* metadata, the tokenizer.json reader from the JSON. The Tokenizer class
// (tokenizer.h) is built from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bcjr::model {

// The text pipeline before BPE, step by step as tokenizer.json spells it. GGUF files name a
// flavour instead (`pre`); the Tokenizer then derives these steps itself.
struct NormalizerStep {
  enum class Kind { Prepend, Replace };
  Kind kind = Kind::Replace;
  std::string pattern;            // Replace: the text to find (a PCRE2 regex if pattern_is_regex)
  bool pattern_is_regex = false;
  std::string content;            // Prepend: the prefix; Replace: the replacement
};

struct PreTokenizerStep {
  enum class Kind { Split, ByteLevel, Digits, Metaspace };
  Kind kind = Kind::Split;
  std::string regex;                   // Split: PCRE2 pattern (UTF-8, Unicode properties)
  std::string behavior = "Isolated";   // Split: Removed|Isolated|MergedWithPrevious|MergedWithNext|Contiguous
  bool invert = false;                 // Split: the pattern matches the pieces, not the delimiters
  bool individual_digits = false;      // Digits: one piece per digit instead of per digit run
  bool use_regex = true;               // ByteLevel: split with the GPT-2 regex before mapping bytes
  bool add_prefix_space = false;       // ByteLevel: a space before each piece not starting with one
  std::string replacement = "\xE2\x96\x81";  // Metaspace: "▁"
  std::string prepend_scheme = "always";      // Metaspace: always | first | never
  bool split = true;                          // Metaspace: split before each replacement char
};

// A token matched verbatim in the text before pre-tokenization (special tokens and
// tokenizer.json's added_tokens).
struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool normalized = false;  // matched in the normalized text instead of the raw one
  bool lstrip = false;      // the match swallows whitespace on its left
  bool rstrip = false;      // ... and on its right
};

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

  // Filled by the tokenizer.json reader; left empty by the GGUF loader, in which case the
  // Tokenizer derives them from kind / pre / split_regexes / special_ids / token_types.
  std::vector<NormalizerStep> normalizers;
  std::vector<PreTokenizerStep> pre_steps;
  std::vector<AddedToken> added_tokens;
  bool ignore_merges = false;  // a whole pre-token found in the vocabulary is one token (Llama-3)
  bool fuse_unk = false;       // consecutive unknown characters give one unk token
  std::string source;          // where the spec came from, for error messages
};

}  // namespace bcjr::model
