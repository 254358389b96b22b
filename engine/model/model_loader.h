// One entry point for loading a Llama-architecture model from a Hugging Face folder
// (config.json + safetensors) or a GGUF file, with weights under their Hugging Face names.
// Everything else in the engine (forward pass, quantisation, `bcjr info`) starts here.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/model/llama_config.h"
#include "engine/model/tokenizer_spec.h"

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::model {

struct LoadOptions {
  // false: read only the configuration, tensor names, shapes and types (for `bcjr info`);
  // `tensors` stays empty.
  bool load_tensors = true;
  // true: F16/BF16 weights of a HF folder stay in their stored dtype (zero-copy views of the
  // mapping); false: everything is converted to fp32. GGUF weights are always dequantised to fp32.
  bool keep_stored_dtype = false;
};

struct LoadedModel {
  LlamaConfig config;
  // HF names, CPU, fp32 unless keep_stored_dtype. No "lm_head.weight" when
  // config.tie_word_embeddings: the head is then model.embed_tokens.weight.
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, std::vector<int64_t>> tensor_shapes;  // HF names, filled in every mode
  std::map<std::string, std::string> tensor_types;            // HF name -> dtype or quant type as stored
  TokenizerSpec tokenizer_spec;                               // filled for GGUF (kind empty for HF folders)
  std::string tokenizer_json_path;                            // HF folder: tokenizer.json if present, else ""
  std::string tokenizer_config_path;                          // HF folder: tokenizer_config.json if present, else ""
  std::string path;                                           // the resolved file or folder
  std::string format;                                         // "gguf" | "hf"
  int64_t parameter_count = 0;                                // elements over all tensors (tied head counted once)
};

// `path_or_default`: "default" (the default model), a .gguf file, a HF folder, or a
// config.json / model.safetensors inside one. Refuses other architectures, biases, unknown
// tensors, missing tensors and unsupported rope types with a message naming what is wrong.
LoadedModel load_model(const std::string& path_or_default, ProgressReporter* progress = nullptr,
                       const LoadOptions& options = {});

}  // namespace bcjr::model
