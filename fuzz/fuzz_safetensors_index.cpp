// model.safetensors.index.json: a Hugging Face folder whose index is the input, next to a valid
// config.json and one valid shard of a tiny Llama, loaded as `bcjr info` loads it.
#include <torch/torch.h>

#include <filesystem>

#include "engine/model/model_loader.h"
#include "engine/model/safetensors.h"
#include "fuzz/fuzz_support.h"

namespace {

// Writes config.json and model-00001-of-00001.safetensors once; returns the folder.
std::string tiny_folder() {
  static const std::string dir = [] {
    const std::string d = bcjr::fuzz::scratch_dir() + "/hf";
    std::filesystem::create_directories(d);
    bcjr::fuzz::write_input(
        "hf/config.json",
        R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32, "hidden_size": 16,
            "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
            "tie_word_embeddings": true, "rms_norm_eps": 1e-5})");
    std::vector<std::pair<std::string, torch::Tensor>> t;
    auto add = [&](const std::string& n, std::vector<int64_t> s) { t.emplace_back(n, torch::zeros(s)); };
    add("model.embed_tokens.weight", {32, 16});
    add("model.norm.weight", {16});
    const std::string p = "model.layers.0.";
    add(p + "self_attn.q_proj.weight", {16, 16});
    add(p + "self_attn.k_proj.weight", {8, 16});
    add(p + "self_attn.v_proj.weight", {8, 16});
    add(p + "self_attn.o_proj.weight", {16, 16});
    add(p + "mlp.gate_proj.weight", {32, 16});
    add(p + "mlp.up_proj.weight", {32, 16});
    add(p + "mlp.down_proj.weight", {16, 32});
    add(p + "input_layernorm.weight", {16});
    add(p + "post_attention_layernorm.weight", {16});
    bcjr::model::write_safetensors(d + "/model-00001-of-00001.safetensors", t);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string dir = tiny_folder();
  fuzz::write_input("hf/model.safetensors.index.json", data, size);
  fuzz::expect_clean(dir, [&] {
    model::LoadOptions o;
    o.load_tensors = false;
    (void)model::load_model(dir, nullptr, o);
  });
  return 0;
}
