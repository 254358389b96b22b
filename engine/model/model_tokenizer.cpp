#include "engine/model/model_tokenizer.h"

#include "engine/core/error.h"
#include "engine/model/model_loader.h"

namespace bcjr::model {

Tokenizer tokenizer_for_model(const LoadedModel& model) {
  if (model.format == "gguf") {
    TokenizerSpec spec = model.tokenizer_spec;
    if (spec.source.empty()) spec.source = "GGUF " + model.path + " (tokenizer.ggml.*)";
    return Tokenizer::from_spec(spec);
  }
  BCJR_CHECK(!model.tokenizer_json_path.empty(), "model ", model.path,
             ": no tokenizer.json in the folder, so it cannot be tokenized");
  return Tokenizer::from_tokenizer_json(model.tokenizer_json_path, model.tokenizer_config_path);
}

Tokenizer load_tokenizer(const std::string& model_path_or_default) {
  LoadOptions opt;
  opt.load_tensors = false;
  return tokenizer_for_model(load_model(model_path_or_default, nullptr, opt));
}

}  // namespace bcjr::model
