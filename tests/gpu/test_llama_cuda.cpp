// The Llama forward on CUDA against the same model on the CPU in fp32 (which the cpu tests hold
// to an independent reference): fp32 closely, bf16 and fp16 within their rounding; gradients
// through a weight provider on the GPU; and the perplexity protocol on both devices.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/model/llama.h"
#include "engine/model/llama_random.h"
#include "engine/model/perplexity.h"

using namespace bcjr::model;

namespace {

// GQA and llama3 rope scaling with every frequency band populated, untied head; wide enough that
// the fused attention kernels take their ordinary paths (head_dim 64).
LlamaConfig gpu_test_config() {
  LlamaConfig c;
  c.vocab_size = 512;
  c.hidden_size = 256;
  c.intermediate_size = 688;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 64;
  c.rope_theta = 10000;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 8;
  c.rope_scaling.low_freq_factor = 1;
  c.rope_scaling.high_freq_factor = 4;
  c.rope_scaling.original_max_position_embeddings = 128;
  c.tie_word_embeddings = false;
  c.bos_token_id = 1;
  return c;
}

double rel(const torch::Tensor& a, const torch::Tensor& b) {
  auto a64 = a.to(torch::kCPU, torch::kFloat64), b64 = b.to(torch::kCPU, torch::kFloat64);
  return ((a64 - b64).norm() / b64.norm()).item<double>();
}

torch::Tensor tokens_for(const LlamaConfig& c, int64_t B, int64_t T) {
  return torch::randint(c.vocab_size, {B, T}, at::detail::createCPUGenerator(7), torch::kInt64);
}

}  // namespace

class LlamaCuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
};

TEST_F(LlamaCuda, LogitsEqualCpuInFp32Bf16AndFp16) {
  const LlamaConfig c = gpu_test_config();
  const auto weights = llama_random_tensors(c, 51, 0.06);
  auto cpu = llama_from_tensors(c, weights, "random");
  const auto tokens = tokens_for(c, 2, 256);
  torch::NoGradGuard no_grad;
  const auto ref = cpu->forward(tokens);
  struct Case {
    torch::Dtype dtype;
    double tolerance;
  };
  for (const Case& k : {Case{torch::kFloat32, 1e-4}, Case{torch::kBFloat16, 4e-2}, Case{torch::kFloat16, 1e-2}}) {
    auto gpu = llama_from_tensors(c, weights, "random");
    gpu->to(torch::Device(torch::kCUDA), k.dtype);
    const auto logits = gpu->forward(tokens.to(torch::kCUDA));
    EXPECT_TRUE(logits.is_cuda());
    EXPECT_EQ(logits.scalar_type(), k.dtype);
    const double err = rel(logits, ref);
    EXPECT_LT(err, k.tolerance) << c10::toString(k.dtype);
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
  }
}

TEST_F(LlamaCuda, ProviderGradientsEqualCpu) {
  const LlamaConfig c = gpu_test_config();
  const auto weights = llama_random_tensors(c, 52, 0.06);
  const auto tokens = tokens_for(c, 1, 128);
  const auto targets = torch::randint(c.vocab_size, {128}, at::detail::createCPUGenerator(8), torch::kInt64);
  const auto latent0 = at::normal(0.0, 0.06, {c.intermediate_size, c.hidden_size}, at::detail::createCPUGenerator(9));
  auto grad_on = [&](const torch::Device& device) {
    auto model = llama_from_tensors(c, weights, "random");
    model->to(device);
    for (auto& p : model->parameters()) p.set_requires_grad(false);
    torch::Tensor latent = latent0.to(device).clone();  // a fresh leaf on each device
    latent.set_requires_grad(true);
    model->set_weight_provider(2, "gate_proj", [&] { return torch::sinh(latent); });
    auto logits = model->forward(tokens.to(device)).view({128, c.vocab_size});
    torch::nn::functional::cross_entropy(logits, targets.to(device)).backward();
    return latent.grad().cpu();
  };
  const auto g_cpu = grad_on(torch::Device(torch::kCPU));
  const auto g_gpu = grad_on(torch::Device(torch::kCUDA));
  EXPECT_GT(g_cpu.abs().max().item<double>(), 0.0);
  EXPECT_LT(rel(g_gpu, g_cpu), 1e-3);
}

TEST_F(LlamaCuda, PerplexityEqualsCpu) {
  const LlamaConfig c = gpu_test_config();
  const auto weights = llama_random_tensors(c, 53, 0.06);
  const auto ids = tokens_for(c, 1, 700).view({700});
  const std::vector<int64_t> text(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 700);
  const auto stream = perplexity_token_stream(text, c.bos_token_id);
  PerplexityOptions o;
  o.ctx = 128;
  auto cpu = llama_from_tensors(c, weights, "random");
  auto gpu = llama_from_tensors(c, weights, "random");
  gpu->to(torch::Device(torch::kCUDA));
  const auto a = perplexity_of_tokens(cpu, stream, o);
  const auto b = perplexity_of_tokens(gpu, stream, o);
  EXPECT_EQ(a.protocol.windows, 5);
  EXPECT_EQ(b.protocol.tokens_scored, a.protocol.tokens_scored);
  EXPECT_NEAR(b.mean_nll, a.mean_nll, 1e-4 * a.mean_nll);
}
