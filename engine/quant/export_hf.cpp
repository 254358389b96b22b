#include "engine/quant/export_hf.h"

#include <torch/torch.h>

#include <filesystem>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"
#include "engine/model/tokenizer_json_writer.h"
#include "engine/model/safetensors.h"
#include "engine/quant/export_packed.h"

namespace fs = std::filesystem;

namespace bcjr::quant {

nlohmann::json hf_config_json(const model::LlamaConfig& c) {
  nlohmann::json j = {{"architectures", {c.architecture}},
                      {"model_type", "llama"},
                      {"vocab_size", c.vocab_size},
                      {"hidden_size", c.hidden_size},
                      {"intermediate_size", c.intermediate_size},
                      {"num_hidden_layers", c.num_hidden_layers},
                      {"num_attention_heads", c.num_attention_heads},
                      {"num_key_value_heads", c.num_key_value_heads},
                      {"head_dim", c.head_dim},
                      {"hidden_act", "silu"},
                      {"attention_bias", false},
                      {"mlp_bias", false},
                      {"rms_norm_eps", c.rms_norm_eps},
                      {"rope_theta", c.rope_theta},
                      {"max_position_embeddings", c.max_position_embeddings},
                      {"tie_word_embeddings", c.tie_word_embeddings},
                      {"torch_dtype", "float32"}};
  if (c.rope_scaling.type == "llama3")
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", c.rope_scaling.factor},
                         {"low_freq_factor", c.rope_scaling.low_freq_factor},
                         {"high_freq_factor", c.rope_scaling.high_freq_factor},
                         {"original_max_position_embeddings", c.rope_scaling.original_max_position_embeddings}};
  else
    j["rope_scaling"] = nullptr;
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  return j;
}

void export_hf_folder(const std::string& out_dir, const model::LoadedModel& source,
                      const std::map<LinearKey, torch::Tensor>& quantised, const nlohmann::json& manifest) {
  BCJR_CHECK(!source.tensors.empty(), "HF export: the source model's tensors are not loaded");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  BCJR_CHECK(!ec, "HF export: cannot create ", out_dir, ": ", ec.message());
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& kv : source.tensors) tensors[kv.first] = kv.second.to(torch::kFloat32);
  std::string replaced;
  for (const auto& kv : quantised) {
    const std::string name = hf_linear_name(kv.first) + ".weight";
    auto it = tensors.find(name);
    BCJR_CHECK(it != tensors.end(), "HF export: the source model has no tensor ", name);
    BCJR_CHECK(it->second.sizes() == kv.second.sizes(), "HF export: ", name, " has shape ", it->second.sizes(),
               " in the model but ", kv.second.sizes(), " quantised");
    it->second = kv.second.detach().to(torch::kCPU, torch::kFloat32);
    replaced += "- " + name + "\n";
  }
  std::vector<std::pair<std::string, torch::Tensor>> list(tensors.begin(), tensors.end());
  model::write_safetensors(out_dir + "/model.safetensors", list, {{"format", "pt"}});

  std::string notes;
  const bool from_gguf = source.format == "gguf";
  if (from_gguf) {
    write_file_atomic(out_dir + "/config.json", hf_config_json(source.config).dump(2) + "\n");
    const model::Tokenizer tokenizer = model::tokenizer_for_model(source);
    model::write_tokenizer_files(out_dir, tokenizer, source.config.max_position_embeddings);
    notes = "The source was a GGUF file (" + source.path +
            "): config.json was written from its llama.* metadata, every tensor was dequantised from its GGUF type to "
            "fp32 and renamed to Hugging Face names, and the q/k projections were un-permuted from llama.cpp's "
            "interleaved RoPE order to HF's half-split order. tokenizer.json, tokenizer_config.json and "
            "special_tokens_map.json were written from its tokenizer metadata (tokenizer.ggml.*: " + tokenizer.kind() +
            ", pre-tokenizer '" + tokenizer.spec().pre + "'); Hugging Face `tokenizers` reads them to the ids this "
            "program's tokenizer gives (tested on the default model). A chat template, if the GGUF had one, was not "
            "carried over.\n";
  } else {
    const fs::path src = fs::is_directory(source.path) ? fs::path(source.path) : fs::path(source.path).parent_path();
    for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                          "generation_config.json", "tokenizer.model"}) {
      if (fs::exists(src / f)) fs::copy_file(src / f, fs::path(out_dir) / f, fs::copy_options::overwrite_existing, ec);
      BCJR_CHECK(!ec, "HF export: cannot copy ", (src / f).string(), ": ", ec.message());
    }
    notes = "The source was the Hugging Face folder " + src.string() +
            ": config and tokenizer files were copied unchanged; every tensor is stored in fp32.\n";
  }
  write_file_atomic(out_dir + "/README.md",
                    "# Dequantised model exported by BCJR Studio\n\n" + notes +
                        "\nThe following linears hold trellis-quantised weights (dequantised to fp32, so the folder "
                        "is as large as an fp32 model):\n\n" + replaced + "\nRun manifest:\n\n```json\n" +
                        manifest.dump(2) + "\n```\n");
}

}  // namespace bcjr::quant
