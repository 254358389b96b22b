#include "engine/model/model_loader.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/core/assets.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/core/progress.h"
#include "engine/model/gguf.h"
#include "engine/model/gguf_llama.h"
#include "engine/model/safetensors.h"

namespace bcjr::model {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The shape every Llama tensor must have, by HF name; empty if the name is not a Llama weight.
std::vector<int64_t> expected_shape(const LlamaConfig& c, const std::string& name) {
  const int64_t q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  if (name == "model.embed_tokens.weight" || name == "lm_head.weight") return {c.vocab_size, c.hidden_size};
  if (name == "model.norm.weight") return {c.hidden_size};
  const std::string prefix = "model.layers.";
  if (name.rfind(prefix, 0) != 0) return {};
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos) return {};
  const std::string layer = name.substr(prefix.size(), dot - prefix.size());
  if (layer.empty() || layer.find_first_not_of("0123456789") != std::string::npos || layer.size() > 6) return {};
  if (std::stoll(layer) >= c.num_hidden_layers || std::to_string(std::stoll(layer)) != layer) return {};
  const std::string rest = name.substr(dot + 1);
  if (rest == "self_attn.q_proj.weight") return {q, c.hidden_size};
  if (rest == "self_attn.k_proj.weight" || rest == "self_attn.v_proj.weight") return {kv, c.hidden_size};
  if (rest == "self_attn.o_proj.weight") return {c.hidden_size, q};
  if (rest == "mlp.gate_proj.weight" || rest == "mlp.up_proj.weight") return {c.intermediate_size, c.hidden_size};
  if (rest == "mlp.down_proj.weight") return {c.hidden_size, c.intermediate_size};
  if (rest == "input_layernorm.weight" || rest == "post_attention_layernorm.weight") return {c.hidden_size};
  return {};
}

std::vector<std::string> required_names(const LlamaConfig& c) {
  std::vector<std::string> names = {"model.embed_tokens.weight", "model.norm.weight"};
  if (!c.tie_word_embeddings) names.push_back("lm_head.weight");
  for (int64_t l = 0; l < c.num_hidden_layers; ++l)
    for (const char* t :
         {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
          "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm"})
      names.push_back("model.layers." + std::to_string(l) + "." + t + ".weight");
  return names;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Refuses biases and unknown names, checks shapes; records the tensor's shape and type.
void admit(LoadedModel& m, const std::string& source, const std::string& name, const std::vector<int64_t>& shape,
           const std::string& type) {
  if (ends_with(name, ".bias"))
    fail(source, ": tensor '", printable(name), "' is a bias; attention and MLP biases are not supported");
  const std::vector<int64_t> want = expected_shape(m.config, name);
  BCJR_CHECK(!want.empty(), source, ": unexpected tensor '", printable(name), "' (not part of a Llama model)");
  BCJR_CHECK(want == shape, source, ": tensor '", printable(name), "' has shape ", shape_text(shape), ", expected ",
             shape_text(want));
  BCJR_CHECK(m.tensor_shapes.emplace(name, shape).second, source, ": tensor '", printable(name), "' appears twice");
  m.tensor_types[name] = type;
}

void finish(LoadedModel& m, const std::string& source) {
  for (const std::string& n : required_names(m.config))
    BCJR_CHECK(m.tensor_shapes.count(n), source, ": tensor '", n, "' is missing");
  m.parameter_count = 0;
  for (const auto& [name, shape] : m.tensor_shapes) {
    int64_t k = 1;
    for (int64_t d : shape) k *= d;
    m.parameter_count += k;
  }
}

void load_gguf(LoadedModel& m, ProgressReporter* progress, const LoadOptions& opt) {
  GgufFile g(m.path);
  m.format = "gguf";
  m.config = llama_config_from_gguf(g);
  m.tokenizer_spec = tokenizer_spec_from_gguf(g);
  for (const GgufTensorInfo& t : g.tensors()) {
    const std::string hf = hf_tensor_name(t.name);
    BCJR_CHECK(!hf.empty(), m.path, ": unexpected GGUF tensor '", printable(t.name), "' (not part of a Llama model)");
    admit(m, m.path, hf, t.shape(), ggml_type_name(t.type));
  }
  finish(m, m.path);
  if (!opt.load_tensors) return;
  ProgressStage stage(progress, "load " + fs::path(m.path).filename().string(),
                      static_cast<int64_t>(g.tensors().size()));
  for (const GgufTensorInfo& t : g.tensors()) {
    const std::string hf = hf_tensor_name(t.name);
    torch::Tensor w = g.dequantize(t);
    if (ends_with(t.name, ".attn_q.weight"))
      w = unpermute_qk_rows(w, m.config.num_attention_heads);
    else if (ends_with(t.name, ".attn_k.weight"))
      w = unpermute_qk_rows(w, m.config.num_key_value_heads);
    m.tensors[hf] = w;
    stage.advance();
  }
}

void load_hf(LoadedModel& m, ProgressReporter* progress, const LoadOptions& opt) {
  const fs::path dir(m.path);
  m.format = "hf";
  m.config = parse_hf_config((dir / "config.json").string());
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    const fs::path p = dir / f;
    if (fs::exists(p))
      (std::string(f) == "tokenizer.json" ? m.tokenizer_json_path : m.tokenizer_config_path) = p.string();
  }

  // name -> shard file, from the index if there is one.
  std::map<std::string, std::string> where;
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(index)) {
    const std::string text = read_file(index.string(), kMaxConfigJsonBytes * 4, "safetensors index");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      fail(index.string(), ": invalid JSON: ", e.what());
    }
    BCJR_CHECK(j.is_object() && j.contains("weight_map") && j["weight_map"].is_object(), index.string(),
               ": 'weight_map' is missing or not an object");
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      BCJR_CHECK(it.value().is_string(), index.string(), ": weight_map entry '", printable(it.key()), "' is not a file name");
      const std::string shard = it.value().get<std::string>();
      // A file beside the index, under a name that can be printed on one line (the loader's own
      // errors quote the shard's path).
      const bool control = std::any_of(shard.begin(), shard.end(), [](char ch) {
        return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
      });
      BCJR_CHECK(shard.find('/') == std::string::npos && !control && shard != "." && shard != ".." && !shard.empty(),
                 index.string(),
                 ": weight_map entry '", printable(it.key()), "' names '", printable(shard), "', not a file in the folder");
      where[it.key()] = (dir / shard).string();
    }
  } else {
    const fs::path single = dir / "model.safetensors";
    BCJR_CHECK(fs::exists(single), m.path, ": no model.safetensors or model.safetensors.index.json in the folder");
    SafetensorsFile f(single.string());
    for (const auto& t : f.tensors()) where[t.name] = single.string();
  }

  std::map<std::string, std::unique_ptr<SafetensorsFile>> shards;
  for (const auto& [name, file] : where)
    if (!shards.count(file)) shards[file] = std::make_unique<SafetensorsFile>(file);

  std::vector<std::string> names;
  for (const auto& [name, file] : where) {
    // Older checkpoints store RoPE's inverse frequencies, which are recomputed from the config.
    if (ends_with(name, ".rotary_emb.inv_freq")) continue;
    // HF ties the head to the embedding and ignores a stored lm_head in that case.
    if (name == "lm_head.weight" && m.config.tie_word_embeddings) continue;
    const SafetensorsTensorInfo& info = shards[file]->info(name);
    admit(m, file, name, info.shape, info.dtype);
    names.push_back(name);
  }
  finish(m, m.path);
  if (!opt.load_tensors) return;
  ProgressStage stage(progress, "load " + dir.filename().string(), static_cast<int64_t>(names.size()));
  for (const std::string& name : names) {
    const SafetensorsFile& f = *shards[where[name]];
    const std::string& dtype = f.info(name).dtype;
    BCJR_CHECK(dtype == "F32" || dtype == "F16" || dtype == "BF16", f.path(), ": tensor '", printable(name), "' is ", dtype,
               "; model weights must be F32, F16 or BF16");
    torch::Tensor t = f.tensor(name);
    if (!opt.keep_stored_dtype && t.scalar_type() != torch::kFloat32) t = t.to(torch::kFloat32);
    m.tensors[name] = t;
    stage.advance();
  }
}

bool is_gguf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string(magic, 4) == "GGUF";
}

}  // namespace

LoadedModel load_model(const std::string& path_or_default, ProgressReporter* progress, const LoadOptions& options) {
  LoadedModel m;
  std::string path = resolve_model_path(path_or_default, "model");
  fs::path p(path);
  if (fs::is_regular_file(p) && !is_gguf_file(path)) {
    const std::string fname = p.filename().string();
    const bool hf_file = fname == "config.json" || ends_with(fname, ".safetensors");
    BCJR_CHECK(hf_file, path, ": neither a GGUF file nor a Hugging Face model folder (or its config.json)");
    p = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  }
  m.path = p.string();
  if (fs::is_directory(p)) {
    BCJR_CHECK(fs::exists(p / "config.json"), m.path, ": a model folder needs config.json");
    load_hf(m, progress, options);
  } else {
    load_gguf(m, progress, options);
  }
  return m;
}

}  // namespace bcjr::model
