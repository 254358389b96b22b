// TokenizerSpec -> the Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json,
// special_tokens_map.json), so that a model exported from a GGUF file (whose tokenizer lives in
// its tokenizer.ggml.* metadata) carries a tokenizer that Hugging Face `tokenizers` and this
// engine read to the same ids. The fields written are the ones tokenizer_json.cpp documents and
// reads; every pipeline step is spelled out (GGUF names only a flavour, e.g. pre "smollm").
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "engine/model/tokenizer.h"

namespace bcjr::model {

// Throws a bcjr::Error naming spec.source where the vocabulary cannot be written as a
// tokenizer.json (two ids with the same text).
nlohmann::json tokenizer_json(const Tokenizer& tokenizer);
// add_bos_token, bos/eos/unk/pad tokens, added_tokens_decoder, tokenizer_class, model_max_length.
nlohmann::json tokenizer_config_json(const Tokenizer& tokenizer, int64_t model_max_length);
nlohmann::json special_tokens_map_json(const Tokenizer& tokenizer);

// Writes the three files into `dir` (atomically each).
void write_tokenizer_files(const std::string& dir, const Tokenizer& tokenizer, int64_t model_max_length);

}  // namespace bcjr::model
