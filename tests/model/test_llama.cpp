// The Llama forward pass against the independent fp64 reference in llama_reference.cpp, its
// pieces (embed / forward_layers / head), input observers, and the errors on bad input.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/model/llama.h"
#include "engine/model/llama_random.h"
#include "tests/model/llama_reference.h"

using namespace bcjr;
using namespace bcjr::model;
using bcjr::test::reference_llama_logits;
using bcjr::test::relative_error;
using bcjr::test::tiny_llama_config;

namespace {

torch::Tensor random_tokens(int64_t B, int64_t T, int64_t vocab, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(vocab, {B, T}, gen, torch::kInt64);
}

// Large enough weights that attention is far from uniform and the rotary phases matter.
constexpr double kStd = 0.15;

}  // namespace

TEST(LlamaForward, MatchesReferenceWithGqaLlama3RopeAndUntiedHead) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 11, kStd);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = random_tokens(2, 64, c.vocab_size, 5);
  torch::NoGradGuard no_grad;
  auto logits = model->forward(tokens);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{2, 64, c.vocab_size}));
  auto ref = reference_llama_logits(c, w, tokens);
  EXPECT_LT(relative_error(logits, ref), 1e-5);

  // The rope scaling must matter at this length, or the test above would not check it.
  LlamaConfig plain = c;
  plain.rope_scaling.type = "default";
  EXPECT_GT(relative_error(reference_llama_logits(plain, w, tokens), ref), 1e-2);
}

TEST(LlamaForward, MatchesReferenceWithTiedEmbeddingsAndDefaultRope) {
  LlamaConfig c = tiny_llama_config();
  c.tie_word_embeddings = true;
  c.rope_scaling = RopeScaling{};
  c.num_key_value_heads = 8;  // plain multi-head attention
  c.head_dim = 0;             // hidden / heads = 8
  c.rope_theta = 500000;
  auto w = llama_random_tensors(c, 12, kStd);
  ASSERT_EQ(w.count("lm_head.weight"), 0u);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = random_tokens(3, 40, c.vocab_size, 6);
  torch::NoGradGuard no_grad;
  EXPECT_LT(relative_error(model->forward(tokens), reference_llama_logits(c, w, tokens)), 1e-5);
}

TEST(LlamaForward, OneDimensionalTokensAreOneSequence) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 13, kStd);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = random_tokens(1, 17, c.vocab_size, 7);
  torch::NoGradGuard no_grad;
  auto a = model->forward(tokens.view({17}));
  auto b = model->forward(tokens);
  EXPECT_EQ(a.sizes(), b.sizes());
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(LlamaForward, PiecesComposeToTheWholeForward) {
  LlamaConfig c = tiny_llama_config();
  c.num_hidden_layers = 3;
  auto w = llama_random_tensors(c, 14, kStd);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = random_tokens(2, 30, c.vocab_size, 8);
  torch::NoGradGuard no_grad;
  auto h = model->embed(tokens);
  h = model->forward_layers(h, 0, 1);
  h = model->forward_layers(h, 1, 1);  // an empty range is the identity
  h = model->forward_layers(h, 1, 3);
  EXPECT_LT(relative_error(model->head(h), model->forward(tokens)), 1e-6);
  EXPECT_LT(relative_error(model->forward(tokens), reference_llama_logits(c, w, tokens)), 1e-5);
}

TEST(LlamaForward, InputObserversSeeEachLinearsInput) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 15, kStd);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = random_tokens(2, 20, c.vocab_size, 9);
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> seen;
  for (const auto& name : llama_linear_names())
    model->set_input_observer(1, name, [&seen, name](const torch::Tensor& x) { seen[name] = x.clone(); });
  model->forward(tokens);
  ASSERT_EQ(seen.size(), 7u);
  // q, k and v read the normed residual stream; gate and up the second norm; o and down what
  // their own product yields, so x W^T must reproduce the layer's output pieces.
  auto layer = model->layer(1);
  auto h0 = model->forward_layers(model->embed(tokens), 0, 1);
  auto xn = layer->input_layernorm(h0);
  EXPECT_TRUE(torch::allclose(seen["q_proj"], xn));
  EXPECT_TRUE(torch::equal(seen["q_proj"], seen["k_proj"]));
  EXPECT_TRUE(torch::equal(seen["q_proj"], seen["v_proj"]));
  EXPECT_EQ(seen["o_proj"].sizes(), (std::vector<int64_t>{2, 20, c.num_attention_heads * c.head_dim}));
  auto h_mid = h0 + torch::linear(seen["o_proj"], w.at("model.layers.1.self_attn.o_proj.weight"));
  auto xn2 = layer->post_attention_layernorm(h_mid);
  EXPECT_TRUE(torch::allclose(seen["gate_proj"], xn2, 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(seen["gate_proj"], seen["up_proj"]));
  auto act = torch::silu(torch::linear(xn2, w.at("model.layers.1.mlp.gate_proj.weight"))) *
             torch::linear(xn2, w.at("model.layers.1.mlp.up_proj.weight"));
  EXPECT_TRUE(torch::allclose(seen["down_proj"], act, 1e-5, 1e-6));
  // Removing the observer stops the calls.
  model->set_input_observer(1, "q_proj", nullptr);
  seen.clear();
  model->forward(tokens);
  EXPECT_EQ(seen.count("q_proj"), 0u);
  EXPECT_EQ(seen.count("k_proj"), 1u);
}

TEST(LlamaForward, Bfloat16OnCpuTracksFp32) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 16, kStd);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = random_tokens(1, 32, c.vocab_size, 10);
  torch::NoGradGuard no_grad;
  auto ref = model->forward(tokens);
  model->to(torch::kBFloat16);
  auto low = model->forward(tokens);
  EXPECT_EQ(low.scalar_type(), torch::kBFloat16);
  const double err = relative_error(low, ref);
  EXPECT_LT(err, 5e-2);
  EXPECT_GT(err, 0.0);  // it really ran in bf16
}

TEST(LlamaForwardErrors, LoadWeightsNamesTheMissingWrongOrUnexpectedTensor) {
  const LlamaConfig c = tiny_llama_config();
  auto good = llama_random_tensors(c, 17);
  auto expect_error = [&](std::map<std::string, torch::Tensor> w, const std::string& needle) {
    try {
      llama_from_tensors(c, w, "model.safetensors");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
    }
  };
  auto missing = good;
  missing.erase("model.layers.1.mlp.up_proj.weight");
  expect_error(missing, "model.layers.1.mlp.up_proj.weight is missing");
  auto wrong = good;
  wrong["model.layers.0.self_attn.k_proj.weight"] = torch::zeros({32, 65});
  expect_error(wrong, "model.layers.0.self_attn.k_proj.weight has shape [32, 65], expected [32, 64]");
  auto extra = good;
  extra["model.layers.2.mlp.up_proj.weight"] = torch::zeros({112, 64});
  expect_error(extra, "unexpected tensor model.layers.2.mlp.up_proj.weight");
  auto no_head = good;
  no_head.erase("lm_head.weight");
  expect_error(no_head, "lm_head.weight is missing");
}

TEST(LlamaForwardErrors, BadConfigTokensRangesAndNamesAreRefused) {
  LlamaConfig bad = tiny_llama_config();
  bad.num_key_value_heads = 3;
  EXPECT_THROW(LlamaModel{bad}, Error);
  bad = tiny_llama_config();
  bad.rope_scaling.type = "yarn";
  try {
    LlamaModel m(bad);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("yarn"), std::string::npos);
  }
  const LlamaConfig c = tiny_llama_config();
  auto model = llama_from_tensors(c, llama_random_tensors(c, 18), "random");
  torch::NoGradGuard no_grad;
  EXPECT_THROW(model->forward(torch::tensor({1, 2, 97}, torch::kInt64)), Error);
  EXPECT_THROW(model->forward(torch::tensor({1, -1}, torch::kInt64)), Error);
  EXPECT_THROW(model->forward(torch::tensor({1.0, 2.0})), Error);
  EXPECT_THROW(model->forward_layers(torch::zeros({1, 4, 64}), 1, 3), Error);
  EXPECT_THROW(model->forward_layers(torch::zeros({1, 4, 63}), 0, 1), Error);
  EXPECT_THROW(model->linear(0, "qkv_proj"), Error);
  EXPECT_THROW(model->linear(2, "q_proj"), Error);
}
