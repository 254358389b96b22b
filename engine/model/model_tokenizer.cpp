#include "engine/model/model_tokenizer.h"

#include "engine/core/error.h"

namespace bcjr::model {

Tokenizer tokenizer_for(const LoadedModel& loaded) {
  if (loaded.format == "gguf") {
    BCJR_CHECK(!loaded.tokenizer_spec.kind.empty(), loaded.path, ": the GGUF file has no tokenizer.ggml.* metadata");
    return Tokenizer::from_spec(loaded.tokenizer_spec);
  }
  BCJR_CHECK(!loaded.tokenizer_json_path.empty(), loaded.path, ": no tokenizer.json in the model folder");
  return Tokenizer::from_tokenizer_json(loaded.tokenizer_json_path, loaded.tokenizer_config_path);
}

}  // namespace bcjr::model
