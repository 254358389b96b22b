// The dequantised Hugging Face folder export: config.json, the tokenizer files, and
// model.safetensors holding every tensor of the source model in fp32 with the quantised linears
// replaced by their dequantised weights, plus a README saying what was converted. Loadable by
// any HF-compatible tool and by load_model().
#pragma once

#include <torch/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/model/llama_config.h"
#include "engine/quant/ptq_model.h"

namespace bcjr::model {
struct LoadedModel;
}

namespace bcjr::quant {

// config.json for a Llama config (used when the source is a GGUF file, which has none).
nlohmann::json hf_config_json(const model::LlamaConfig& c);

// `source` must have its tensors loaded (fp32). `out_dir` is created; existing files in it
// with the same names are replaced.
void export_hf_folder(const std::string& out_dir, const model::LoadedModel& source,
                      const std::map<LinearKey, torch::Tensor>& quantised, const nlohmann::json& manifest);

}  // namespace bcjr::quant
