// load_model: the default GGUF under Hugging Face names (q/k rows un-permuted), Hugging Face
// folders written with the `safetensors` package (single file and shards; GQA, llama3 rope
// scaling, eos as a list, tied embeddings), and the refusals of what the engine does not run.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/npy_tensor.h"
#include "engine/core/progress.h"
#include "engine/model/gguf.h"
#include "engine/model/gguf_llama.h"
#include "engine/model/model_loader.h"
#include "engine/model/safetensors.h"
#include "tests/model/formats_test_util.h"

using bcjr::model::load_model;
using bcjr::model::LoadedModel;
using bcjr::test::message_has;
using bcjr::test::spit;
using bcjr::test::TempDir;
using json = nlohmann::json;

namespace {

// A small Llama-3-style folder: GQA (4 heads, 2 kv heads), head_dim 24 != hidden / heads,
// llama3 rope scaling, eos as a list, tied embeddings; F16 linears and F32 norms. Writes the
// fp32 value of every tensor as .npy for the comparison.
const char* kHfScript = R"PY(
import json, sys, numpy as np
from safetensors.numpy import save_file
out, mode = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(21)
H, I, L, NH, KV, HD, V = 64, 96, 2, 4, 2, 24, 128
config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": H,
          "intermediate_size": I, "num_hidden_layers": L, "num_attention_heads": NH, "num_key_value_heads": KV,
          "head_dim": HD, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
          "rope_scaling": {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                           "original_max_position_embeddings": 8192, "rope_type": "llama3"},
          "max_position_embeddings": 131072, "tie_word_embeddings": True, "vocab_size": V,
          "bos_token_id": 1, "eos_token_id": [2, 5], "torch_dtype": "float16", "hidden_act": "silu",
          "attention_bias": False, "mlp_bias": False}
json.dump(config, open(f"{out}/config.json", "w"))
t = {"model.embed_tokens.weight": (V, H), "model.norm.weight": (H,)}
for l in range(L):
    p = f"model.layers.{l}."
    t.update({p + "self_attn.q_proj.weight": (NH * HD, H), p + "self_attn.k_proj.weight": (KV * HD, H),
              p + "self_attn.v_proj.weight": (KV * HD, H), p + "self_attn.o_proj.weight": (H, NH * HD),
              p + "mlp.gate_proj.weight": (I, H), p + "mlp.up_proj.weight": (I, H), p + "mlp.down_proj.weight": (H, I),
              p + "input_layernorm.weight": (H,), p + "post_attention_layernorm.weight": (H,)})
arrays = {}
for name, shape in t.items():
    a = rng.standard_normal(shape).astype(np.float32 if len(shape) == 1 else np.float16)
    arrays[name] = a
    np.save(f"{out}/{name}.npy", a.astype(np.float32))
if mode == "single":
    save_file(arrays, f"{out}/model.safetensors", metadata={"format": "pt"})
else:
    names = sorted(arrays)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2 :]}
    # Older checkpoints carry RoPE's inverse frequencies; loaders recompute them.
    extra = {"model.layers.0.self_attn.rotary_emb.inv_freq": np.ones(HD // 2, dtype=np.float32)}
    weight_map = {}
    for i, (file, ns) in enumerate(shards.items()):
        part = {n: arrays[n] for n in ns}
        if i == 1:
            part.update(extra)
        save_file(part, f"{out}/{file}", metadata={"format": "pt"})
        weight_map.update({n: file for n in part})
    json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map},
              open(f"{out}/model.safetensors.index.json", "w"))
)PY";

void expect_small_llama(const LoadedModel& m, const TempDir& dir) {
  const auto& c = m.config;
  EXPECT_EQ(m.format, "hf");
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.intermediate_size, 96);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.head_dim, 24);
  EXPECT_EQ(c.vocab_size, 128);
  EXPECT_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_EQ(c.rope_theta, 500000.0);
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  EXPECT_EQ(c.rope_scaling.factor, 32.0);
  EXPECT_EQ(c.rope_scaling.low_freq_factor, 1.0);
  EXPECT_EQ(c.rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_EQ(c.max_position_embeddings, 131072);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(c.torch_dtype, "float16");
  ASSERT_EQ(m.tensors.size(), 2u + 2u * 9u);  // no lm_head (tied), no inv_freq
  EXPECT_EQ(m.tensors.count("lm_head.weight"), 0u);
  int64_t params = 0;
  for (const auto& [name, t] : m.tensors) {
    SCOPED_TRACE(name);
    EXPECT_EQ(t.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(t, bcjr::load_npy_tensor(dir.file(name + ".npy"))));
    EXPECT_EQ(m.tensor_types.at(name), t.dim() == 1 ? "F32" : "F16");
    EXPECT_EQ(m.tensor_shapes.at(name), t.sizes().vec());
    params += t.numel();
  }
  EXPECT_EQ(m.parameter_count, params);
}

// A folder written by our own writer, for the refusals (each test spoils one thing).
struct Folder {
  json config = {{"architectures", {"LlamaForCausalLM"}},
                 {"model_type", "llama"},
                 {"hidden_size", 16},
                 {"intermediate_size", 24},
                 {"num_hidden_layers", 1},
                 {"num_attention_heads", 2},
                 {"num_key_value_heads", 1},
                 {"vocab_size", 32},
                 {"tie_word_embeddings", false}};
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"model.embed_tokens.weight", torch::randn({32, 16})},
      {"lm_head.weight", torch::randn({32, 16})},
      {"model.norm.weight", torch::randn({16})},
      {"model.layers.0.self_attn.q_proj.weight", torch::randn({16, 16})},
      {"model.layers.0.self_attn.k_proj.weight", torch::randn({8, 16})},
      {"model.layers.0.self_attn.v_proj.weight", torch::randn({8, 16})},
      {"model.layers.0.self_attn.o_proj.weight", torch::randn({16, 16})},
      {"model.layers.0.mlp.gate_proj.weight", torch::randn({24, 16})},
      {"model.layers.0.mlp.up_proj.weight", torch::randn({24, 16})},
      {"model.layers.0.mlp.down_proj.weight", torch::randn({16, 24})},
      {"model.layers.0.input_layernorm.weight", torch::randn({16})},
      {"model.layers.0.post_attention_layernorm.weight", torch::randn({16})}};

  void drop(const std::string& name) {
    tensors.erase(std::remove_if(tensors.begin(), tensors.end(), [&](const auto& p) { return p.first == name; }),
                  tensors.end());
  }
  void write(const std::string& dir) const {
    spit(dir + "/config.json", config.dump());
    bcjr::model::write_safetensors(dir + "/model.safetensors", tensors);
  }
  // The message load_model gives for this folder ("(no error)" if it loads).
  std::string error(const TempDir& dir) const {
    write(dir.path());
    return bcjr::test::error_message([&] { load_model(dir.path()); });
  }
};

class CountingProgress : public bcjr::ProgressReporter {
 public:
  explicit CountingProgress(bool cancel) : cancel_(cancel) {}
  bool report(const bcjr::ProgressEvent& e) override {
    ++reports;
    last = e;
    return !cancel_;
  }
  int reports = 0;
  bcjr::ProgressEvent last;

 private:
  bool cancel_;
};

}  // namespace

TEST(ModelLoader, DefaultGgufLoadsUnderHuggingFaceNames) {
  CountingProgress progress(false);
  const LoadedModel m = load_model("default", &progress);
  EXPECT_EQ(m.format, "gguf");
  EXPECT_EQ(m.path, bcjr::test::default_model_path());
  EXPECT_EQ(m.config.num_hidden_layers, 30);
  EXPECT_EQ(m.tokenizer_spec.kind, "bpe-bytelevel");
  ASSERT_EQ(m.tensors.size(), 30u * 9u + 2u);  // tied: no lm_head
  EXPECT_EQ(m.tensors.count("lm_head.weight"), 0u);
  EXPECT_GT(progress.reports, 0);
  EXPECT_EQ(progress.last.done, progress.last.total);

  bcjr::model::GgufFile g(m.path);
  int64_t params = 0;
  for (const auto& t : g.tensors()) {
    const std::string hf = bcjr::model::hf_tensor_name(t.name);
    SCOPED_TRACE(hf);
    ASSERT_EQ(m.tensors.count(hf), 1u);
    const torch::Tensor& w = m.tensors.at(hf);
    EXPECT_EQ(w.scalar_type(), torch::kFloat32);
    EXPECT_EQ(m.tensor_types.at(hf), bcjr::model::ggml_type_name(t.type));
    params += w.numel();
    const bool q = hf.find("q_proj") != std::string::npos, k = hf.find("k_proj") != std::string::npos;
    torch::Tensor raw = g.dequantize(t);
    if (!q && !k) {
      EXPECT_TRUE(torch::equal(w, raw));
      continue;
    }
    // HF row (head h, i) for i < 32 is GGUF row (h, 2i); for i >= 32 it is (h, 2(i - 32) + 1).
    EXPECT_FALSE(torch::equal(w, raw));
    for (int64_t h : {int64_t(0), (q ? int64_t(8) : int64_t(2))}) {
      EXPECT_TRUE(torch::equal(w[h * 64 + 0], raw[h * 64 + 0]));
      EXPECT_TRUE(torch::equal(w[h * 64 + 5], raw[h * 64 + 10]));
      EXPECT_TRUE(torch::equal(w[h * 64 + 32], raw[h * 64 + 1]));
      EXPECT_TRUE(torch::equal(w[h * 64 + 63], raw[h * 64 + 63]));
    }
  }
  EXPECT_EQ(m.parameter_count, params);
}

TEST(ModelLoader, LoadingCanBeCancelled) {
  CountingProgress cancel(true);
  EXPECT_THROW(load_model("default", &cancel), bcjr::Cancelled);
}

TEST(ModelLoader, HeadersOnlyModeReadsNoWeights) {
  bcjr::model::LoadOptions opt;
  opt.load_tensors = false;
  const LoadedModel m = load_model("default", nullptr, opt);
  EXPECT_TRUE(m.tensors.empty());
  EXPECT_EQ(m.tensor_shapes.size(), 272u);
  EXPECT_EQ(m.tensor_shapes.at("model.embed_tokens.weight"), (std::vector<int64_t>{49152, 576}));
  EXPECT_EQ(m.tensor_types.at("model.embed_tokens.weight"), "Q8_0");
  EXPECT_EQ(m.tensor_types.at("model.layers.7.mlp.up_proj.weight"), "Q4_1");
  EXPECT_EQ(m.parameter_count, load_model("default").parameter_count);
}

TEST(ModelLoader, HuggingFaceFolderFromTheSafetensorsPackage) {
  TempDir dir;
  bcjr::test::run_python(dir, "hf.py", kHfScript, "'" + dir.path() + "' single");
  expect_small_llama(load_model(dir.path()), dir);
  expect_small_llama(load_model(dir.file("config.json")), dir);  // a file inside names its folder
  expect_small_llama(load_model(dir.file("model.safetensors")), dir);

  bcjr::model::LoadOptions keep;
  keep.keep_stored_dtype = true;
  const LoadedModel m = load_model(dir.path(), nullptr, keep);
  EXPECT_EQ(m.tensors.at("model.layers.1.mlp.up_proj.weight").scalar_type(), torch::kFloat16);
  EXPECT_EQ(m.tensors.at("model.norm.weight").scalar_type(), torch::kFloat32);
}

TEST(ModelLoader, ShardedHuggingFaceFolderWithAnIndex) {
  TempDir dir;
  bcjr::test::run_python(dir, "hf.py", kHfScript, "'" + dir.path() + "' sharded");
  expect_small_llama(load_model(dir.path()), dir);
  // An index naming a shard that is not there.
  json index = json::parse(bcjr::test::slurp(dir.file("model.safetensors.index.json")));
  index["weight_map"]["model.norm.weight"] = "model-00003-of-00002.safetensors";
  spit(dir.file("model.safetensors.index.json"), index.dump());
  EXPECT_TRUE(
      message_has(bcjr::test::error_message([&] { load_model(dir.path()); }), "model-00003-of-00002.safetensors"));
}

TEST(ModelLoader, WhatTheEngineDoesNotRunIsRefusedByName) {
  struct Case {
    std::function<void(Folder&)> spoil;
    std::vector<std::string> message;  // pieces the error must contain
  };
  const auto set = [](const char* key, json value) { return [=](Folder& f) { f.config[key] = value; }; };
  const auto replace = [](const char* name, torch::Tensor t) {
    return [=](Folder& f) {
      f.drop(name);
      f.tensors.push_back({name, t});
    };
  };
  const std::vector<Case> cases = {
      {[](Folder&) {}, {"(no error)"}},
      {set("architectures", {"MistralForCausalLM"}), {"config.json", "unsupported architecture 'MistralForCausalLM'"}},
      {set("model_type", "qwen2"), {"unsupported model_type 'qwen2'"}},
      {set("attention_bias", true), {"config.json", "attention biases"}},
      {set("mlp_bias", true), {"MLP biases"}},
      {replace("model.layers.0.self_attn.q_proj.bias", torch::randn({16})),
       {"model.layers.0.self_attn.q_proj.bias", "biases are not supported"}},
      {set("rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}), {"unsupported rope scaling type 'yarn'"}},
      {set("hidden_act", "gelu"), {"unsupported hidden_act 'gelu'"}},
      {[](Folder& f) { f.drop("model.layers.0.mlp.up_proj.weight"); },
       {"'model.layers.0.mlp.up_proj.weight' is missing"}},
      {[](Folder& f) { f.drop("lm_head.weight"); }, {"'lm_head.weight' is missing"}},  // not tied: required
      {replace("model.layers.0.self_attn.k_proj.weight", torch::randn({16, 16})),      // MHA-sized
       {"'model.layers.0.self_attn.k_proj.weight' has shape [16, 16], expected [8, 16]"}},
      {replace("model.layers.1.mlp.up_proj.weight", torch::randn({24, 16})),  // there is only one layer
       {"unexpected tensor 'model.layers.1.mlp.up_proj.weight'"}},
      {replace("model.norm.weight", torch::zeros({16}, torch::kInt32)), {"'model.norm.weight' is I32"}},
      {set("num_key_value_heads", 3), {"num_key_value_heads (3) must divide num_attention_heads (2)"}},
      {set("eos_token_id", {2, 99}), {"eos_token_id 99 is outside the vocabulary"}},
      {[](Folder& f) { f.config.erase("hidden_size"); }, {"'hidden_size' is missing"}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    TempDir d;
    Folder f;
    cases[i].spoil(f);
    const std::string message = f.error(d);
    for (const std::string& piece : cases[i].message) EXPECT_TRUE(message_has(message, piece));
  }

  TempDir d;
  spit(d.file("notes.txt"), "hello");
  EXPECT_TRUE(message_has(bcjr::test::error_message([&] { load_model(d.file("notes.txt")); }), "notes.txt",
                          "neither a GGUF file nor a Hugging Face model folder"));
  EXPECT_THROW(load_model(d.file("absent.gguf")), bcjr::Error);
}
