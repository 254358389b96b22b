// Text <-> token ids for the models the engine runs: BPE tokenizers from tokenizer.json
// (byte-level GPT-2 / Llama-3 style, SentencePiece style with "▁" and byte fallback) and from
// GGUF tokenizer.ggml.* metadata (via TokenizerSpec). Ids equal Hugging Face `tokenizers`'.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/tokenizer_spec.h"

namespace bcjr::model {

class Tokenizer {
 public:
  // From a spec (the GGUF loader's, or tokenizer_spec_from_json's). Throws bcjr::Error naming
  // spec.source for unsupported kinds or pre-tokenizer flavours and inconsistent tables.
  static Tokenizer from_spec(const TokenizerSpec& spec);
  // From a Hugging Face tokenizer.json and, optionally, the tokenizer_config.json next to it
  // (which may override add_bos_token and name the BOS token).
  static Tokenizer from_tokenizer_json(const std::string& tokenizer_json,
                                       const std::string& tokenizer_config_json = "");

  // `text` must be valid UTF-8. add_bos: put bos_id() first (an error if the model has none).
  // Use add_bos = adds_bos() to follow the model's own files.
  std::vector<int32_t> encode(const std::string& text, bool add_bos) const;
  // Added and special tokens come out as their text; byte-level and byte-fallback tokens as
  // their bytes. decode(encode(x)) == x for byte-level tokenizers; SentencePiece-style ones
  // drop a leading space they added (and so one the text began with, as tokenizers does).
  std::string decode(const std::vector<int32_t>& ids) const;

  int32_t bos_id() const;
  int32_t eos_id() const;
  bool adds_bos() const;
  int64_t vocab_size() const;
  std::string kind() const;  // "bpe-bytelevel" | "bpe-sentencepiece" | "bpe"
  const std::string& token_text(int32_t id) const;  // as stored in the vocabulary
  // The spec with every step spelled out (normalizers, pre-tokenizer steps, added tokens) and the
  // merges in rank order: what a tokenizer.json of this tokenizer holds (tokenizer_json_writer.h).
  const TokenizerSpec& spec() const;

  // Copies share the same immutable tables (and piece cache); all methods are thread-safe.
  Tokenizer(const Tokenizer&);
  Tokenizer& operator=(const Tokenizer&);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

 private:
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

// Reads a tokenizer.json (+ optional tokenizer_config.json) into a spec with every step spelled
// out. Refuses non-BPE models, empty merges and pipeline parts it does not implement, naming them.
TokenizerSpec tokenizer_spec_from_json(const std::string& tokenizer_json, const std::string& tokenizer_config_json = "");

}  // namespace bcjr::model
