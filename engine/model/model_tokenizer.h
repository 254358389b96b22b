// The tokenizer that belongs to a loaded model: from GGUF tokenizer.ggml.* metadata, or from a
// Hugging Face folder's tokenizer.json and tokenizer_config.json. What `bcjr tokenize`, `bcjr eval`
// and the GUI use, so that every part tokenizes a model's text the same way.
#pragma once

#include <string>

#include "engine/model/tokenizer.h"

namespace bcjr::model {

struct LoadedModel;

// Throws bcjr::Error naming the model if it carries no tokenizer (a HF folder without tokenizer.json).
Tokenizer tokenizer_for_model(const LoadedModel& model);
// Loads only the model's headers (no weights) and returns its tokenizer; "default" is the default model.
Tokenizer load_tokenizer(const std::string& model_path_or_default);

}  // namespace bcjr::model
