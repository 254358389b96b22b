// Replacing the weight of a linear: with a fixed tensor (logits then equal the reference's with
// that weight), and with a provider called at each forward, through which autograd reaches the
// provider's own parameters (checked against finite differences in fp64).
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

torch::Tensor tokens_for_test(int64_t B, int64_t T, int64_t vocab, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(vocab, {B, T}, gen, torch::kInt64);
}

torch::Tensor random_like(const torch::Tensor& t, uint64_t seed, double std) {
  auto gen = at::detail::createCPUGenerator(seed);
  return at::normal(0.0, std, t.sizes(), gen);
}

}  // namespace

TEST(LlamaWeights, FixedReplacementEqualsReferenceWithThatWeight) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 21, 0.15);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = tokens_for_test(2, 48, c.vocab_size, 3);
  torch::NoGradGuard no_grad;
  auto before = model->forward(tokens);
  for (const std::string name : {"v_proj", "gate_proj", "down_proj"}) {
    const std::string hf = "model.layers.1." + std::string(name == "v_proj" ? "self_attn." : "mlp.") + name + ".weight";
    w[hf] = random_like(w[hf], 100 + hf.size(), 0.15);
    model->set_linear_weight(1, name, w[hf]);
  }
  auto after = model->forward(tokens);
  EXPECT_LT(relative_error(after, reference_llama_logits(c, w, tokens)), 1e-5);
  EXPECT_GT(relative_error(after, before), 1e-2);  // the replacement changed the model
}

TEST(LlamaWeights, ReplacementOfWrongShapeNamesTheLinear) {
  const LlamaConfig c = tiny_llama_config();
  auto model = llama_from_tensors(c, llama_random_tensors(c, 22), "random");
  try {
    model->set_linear_weight(0, "o_proj", torch::zeros({64, 64}), "snapshot.pt tensor attn_o_proj");
    ADD_FAILURE();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("snapshot.pt tensor attn_o_proj"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.layers.0.self_attn.o_proj [64, 128]"), std::string::npos) << msg;
  }
  model->set_weight_provider(0, "up_proj", [] { return torch::zeros({3, 3}); });
  torch::NoGradGuard no_grad;
  EXPECT_THROW(model->forward(torch::tensor({1, 2}, torch::kInt64)), Error);
}

TEST(LlamaWeights, ProviderIsCalledEachForwardAndCanBeRemoved) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 23, 0.15);
  auto model = llama_from_tensors(c, w, "random");
  auto tokens = tokens_for_test(1, 24, c.vocab_size, 4);
  torch::NoGradGuard no_grad;
  auto original = model->forward(tokens);
  const std::string hf = "model.layers.0.self_attn.q_proj.weight";
  auto replacement = random_like(w[hf], 5, 0.15);
  int calls = 0;
  model->set_weight_provider(0, "q_proj", [&] {
    ++calls;
    return replacement;
  });
  auto with_provider = model->forward(tokens);
  model->forward(tokens);
  EXPECT_EQ(calls, 2);
  auto w2 = w;
  w2[hf] = replacement;
  EXPECT_LT(relative_error(with_provider, reference_llama_logits(c, w2, tokens)), 1e-5);
  model->set_weight_provider(0, "q_proj", nullptr);
  EXPECT_TRUE(torch::equal(model->forward(tokens), original));
}

TEST(LlamaWeights, ProviderWeightGetsGradientsMatchingFiniteDifferences) {
  // A provider shaped like the QAT one: the weight is a function of a latent tensor that
  // requires grad. Run in fp64 so that central differences are accurate to ~1e-9.
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 24, 0.15);
  auto model = llama_from_tensors(c, w, "random");
  model->to(torch::kFloat64);
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  auto tokens = tokens_for_test(1, 16, c.vocab_size, 6);
  auto latent = random_like(torch::empty({c.intermediate_size, c.hidden_size}), 7, 0.15)
                    .to(torch::kFloat64)
                    .set_requires_grad(true);
  model->set_weight_provider(1, "up_proj", [&] { return torch::tanh(latent) * 0.2; });
  auto target = tokens_for_test(1, 16, c.vocab_size, 8).view({16});
  auto loss_of = [&] {
    auto logits = model->forward(tokens).view({16, c.vocab_size});
    return torch::nn::functional::cross_entropy(logits, target);
  };
  auto loss = loss_of();
  loss.backward();
  ASSERT_TRUE(latent.grad().defined());
  auto grad = latent.grad().clone();
  EXPECT_GT(grad.abs().max().item<double>(), 0.0);

  torch::NoGradGuard no_grad;
  const double eps = 1e-6;
  auto gen = at::detail::createCPUGenerator(9);
  auto picks = torch::randint(latent.numel(), {12}, gen, torch::kInt64);
  for (int64_t i = 0; i < picks.size(0); ++i) {
    const int64_t k = picks[i].item<int64_t>();
    auto flat = latent.view({-1});
    const double orig = flat[k].item<double>();
    flat[k] = orig + eps;
    const double up = loss_of().item<double>();
    flat[k] = orig - eps;
    const double down = loss_of().item<double>();
    flat[k] = orig;
    const double fd = (up - down) / (2 * eps);
    const double g = grad.view({-1})[k].item<double>();
    EXPECT_NEAR(g, fd, 1e-7 + 1e-5 * std::abs(fd)) << "latent entry " << k;
  }
}
