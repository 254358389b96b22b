// The forward pass on the default model (SmolLM2-135M-Instruct, Q4_1 GGUF, through load_model):
// every tensor is taken, and a forward gives finite logits whose argmax continues an obvious
// pattern, and equal logits of an independent numpy forward over the file as the `gguf` package
// reads it. The perplexity figure is checked in tests/model_slow.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/core/npy_tensor.h"
#include "engine/model/llama.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"
#include "tests/support/test_support.h"

using namespace bcjr::model;

TEST(LlamaDefaultModel, LoadsEveryTensorAndRunsFinite) {
  const LoadedModel loaded = load_model(bcjr::test::default_model_path());
  LlamaModel model = llama_from_loaded(loaded);
  const LlamaConfig& c = model->config();
  EXPECT_EQ(c.num_hidden_layers, 30);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_TRUE(torch::equal(model->embed_tokens, loaded.tensors.at("model.embed_tokens.weight")));
  EXPECT_TRUE(torch::equal(model->linear(29, "down_proj")->weight, loaded.tensors.at("model.layers.29.mlp.down_proj.weight")));
  // A sequence repeated three times: a working induction head predicts the third repetition
  // from the second, which no broken attention or RoPE would do.
  auto pattern = torch::randint(1000, 20000, {24}, at::detail::createCPUGenerator(1), torch::kInt64);
  auto tokens = torch::cat({torch::tensor({c.bos_token_id}, torch::kInt64), pattern, pattern, pattern}).view({1, -1});
  torch::NoGradGuard no_grad;
  auto logits = model->forward(tokens);
  ASSERT_TRUE(torch::isfinite(logits).all().item<bool>());
  auto predicted = logits[0].argmax(-1);
  // Positions 49..71 predict tokens 50..72 (third repetition, after its first token).
  auto hits = predicted.slice(0, 49, 72).eq(tokens[0].slice(0, 50, 73)).sum().item<int64_t>();
  EXPECT_GE(hits, 20) << "of 23 next tokens of the third repetition";
}

TEST(LlamaDefaultModel, LogitsEqualNumpyForwardOverTheGgufPackagesReading) {
  const LoadedModel loaded = load_model(bcjr::test::default_model_path());
  LlamaModel model = llama_from_loaded(loaded);
  const Tokenizer tokenizer = tokenizer_for_model(loaded);
  std::vector<int32_t> ids = tokenizer.encode(
      "Call me Ishmael. Some years ago - never mind how long precisely - having little or no money in my purse, "
      "and nothing particular to interest me on shore, I thought I would sail about a little.",
      false);
  ids.insert(ids.begin(), tokenizer.bos_id());
  std::string list;
  for (int32_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  bcjr::test::TempDir dir;
  const std::string out = dir.file("logits.npy");
  auto r = bcjr::test::run_command(bcjr::test::python() + " " + bcjr::test::source_dir() +
                                   "/tests/model/llama_gguf_reference.py " + bcjr::test::default_model_path() + " " +
                                   list + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const torch::Tensor ref = bcjr::load_npy_tensor(out);
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = model->forward(torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())))[0];
  ASSERT_EQ(logits.sizes(), ref.sizes());
  const double rel = ((logits.to(torch::kFloat64) - ref).norm() / ref.norm()).item<double>();
  EXPECT_LT(rel, 1e-5) << "relative error of the logits over " << ids.size() << " tokens";
  EXPECT_TRUE(torch::equal(logits.argmax(-1), ref.argmax(-1)));
}
