// `bcjr info`: the default model's description agrees with what the loader reads, a HF folder is
// described too, and a bad path fails with the path named.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "engine/model/model_loader.h"
#include "engine/model/safetensors.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::run_command;

TEST(CliInfo, DescribesTheDefaultModel) {
  auto r = run_command(bcjr_program() + " info default");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  bcjr::model::LoadOptions opt;
  opt.load_tensors = false;
  const auto m = bcjr::model::load_model("default", nullptr, opt);
  for (const std::string& want : std::vector<std::string>{
           std::string("format         GGUF"), std::string("architecture   LlamaForCausalLM"),
           "layers         " + std::to_string(m.config.num_hidden_layers),
           "hidden size    " + std::to_string(m.config.hidden_size),
           std::string("heads          9 (key/value heads 3, head dim 64)"), std::string("vocabulary     49152"),
           "parameters     " + std::to_string(m.parameter_count), std::string("Q4_1: 210 tensors"),
           std::string("Q8_0: 1 tensors"), std::string("F32: 61 tensors"), std::string("tied to the output head"),
           std::string("tokenizer      bpe-bytelevel, pre smollm, 49152 tokens, 48900 merges")})
    EXPECT_NE(r.out.find(want), std::string::npos) << "missing \"" << want << "\" in\n" << r.out;
}

TEST(CliInfo, DescribesAHuggingFaceFolder) {
  bcjr::test::TempDir dir;
  std::ofstream(dir.file("config.json"))
      << R"({"architectures":["LlamaForCausalLM"],"hidden_size":8,"intermediate_size":12,"num_hidden_layers":1,)"
         R"("num_attention_heads":2,"vocab_size":10,"tie_word_embeddings":true,"torch_dtype":"bfloat16",)"
         R"("rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,)"
         R"("original_max_position_embeddings":8192}})";
  auto bf = [](std::vector<int64_t> s) { return torch::randn(s).to(torch::kBFloat16); };
  bcjr::model::write_safetensors(dir.file("model.safetensors"),
                                 {{"model.embed_tokens.weight", bf({10, 8})},
                                  {"model.norm.weight", bf({8})},
                                  {"model.layers.0.self_attn.q_proj.weight", bf({8, 8})},
                                  {"model.layers.0.self_attn.k_proj.weight", bf({8, 8})},
                                  {"model.layers.0.self_attn.v_proj.weight", bf({8, 8})},
                                  {"model.layers.0.self_attn.o_proj.weight", bf({8, 8})},
                                  {"model.layers.0.mlp.gate_proj.weight", bf({12, 8})},
                                  {"model.layers.0.mlp.up_proj.weight", bf({12, 8})},
                                  {"model.layers.0.mlp.down_proj.weight", bf({8, 12})},
                                  {"model.layers.0.input_layernorm.weight", bf({8})},
                                  {"model.layers.0.post_attention_layernorm.weight", bf({8})}});
  auto r = run_command(bcjr_program() + " info '" + dir.path() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const std::string& want : std::vector<std::string>{
           "Hugging Face folder", "BF16: 11 tensors", "scaling llama3 (factor 8",
           "parameters     " + std::to_string(10 * 8 + 8 + 4 * 64 + 3 * 96 + 16), "none (no tokenizer.json"})
    EXPECT_NE(r.out.find(want), std::string::npos) << "missing \"" << want << "\" in\n" << r.out;
}

TEST(CliInfo, BadModelPathFailsNamingIt) {
  auto r = run_command(bcjr_program() + " info /nonexistent/model.gguf");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("/nonexistent/model.gguf"), std::string::npos) << r.out;
}
