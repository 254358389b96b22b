// The tokenizer that belongs to a loaded model: from GGUF metadata for a .gguf file, from
// tokenizer.json (+ tokenizer_config.json) for a Hugging Face folder.
#pragma once

#include "engine/model/model_loader.h"
#include "engine/model/tokenizer.h"

namespace bcjr::model {

// Throws bcjr::Error naming the model if it carries no tokenizer.
Tokenizer tokenizer_for(const LoadedModel& loaded);

}  // namespace bcjr::model
