// Llama forward speed on a GPU: tokens per second of a Llama-3.2-1B-shaped model (random weights)
// at ctx 2048 in bf16, read against the device's own bf16 matmul rate measured in the same run.
// Also runs on the CPU (--device cpu, e.g. with --layers 2) to check it before a GPU session.
//
// usage: llama_gpu [--device cuda|cpu] [--dtype bf16|fp16|fp32] [--ctx 2048] [--batch 1]
//                  [--reps 5] [--layers 16]
#include <cstdio>
#include <string>

#include <torch/torch.h>

#include "bench/llama_bench_common.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/model/llama.h"
#include "engine/model/llama_random.h"

using namespace bcjr;
using namespace bcjr::model;

namespace {

// Llama-3.2-1B's config.json.
LlamaConfig llama32_1b() {
  LlamaConfig c;
  c.vocab_size = 128256;
  c.hidden_size = 2048;
  c.intermediate_size = 8192;
  c.num_hidden_layers = 16;
  c.num_attention_heads = 32;
  c.num_key_value_heads = 8;
  c.head_dim = 64;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 500000;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 32;
  c.rope_scaling.low_freq_factor = 1;
  c.rope_scaling.high_freq_factor = 4;
  c.rope_scaling.original_max_position_embeddings = 8192;
  c.max_position_embeddings = 131072;
  c.tie_word_embeddings = true;
  return c;
}

torch::Dtype parse_dtype(const std::string& s) {
  if (s == "bf16" || s == "bfloat16") return torch::kBFloat16;
  if (s == "fp16" || s == "float16") return torch::kFloat16;
  if (s == "fp32" || s == "float32") return torch::kFloat32;
  fail("llama_gpu: --dtype ", s, " is not bf16, fp16 or fp32");
}

}  // namespace

int main(int argc, char** argv) try {
  std::string device_name = "cuda", dtype_name = "bf16";
  int64_t ctx = 2048, batch = 1, reps = 5, layers = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--device") device_name = v;
    else if (k == "--dtype") dtype_name = v;
    else if (k == "--ctx") ctx = std::stoll(v);
    else if (k == "--batch") batch = std::stoll(v);
    else if (k == "--reps") reps = std::stoll(v);
    else if (k == "--layers") layers = std::stoll(v);
    else fail("llama_gpu: unknown option ", k);
  }
  set_thread_count(0);
  const torch::Device device(device_name);
  BCJR_CHECK(!device.is_cuda() || torch::cuda::is_available(), "llama_gpu: --device cuda but no CUDA device is visible");
  const torch::Dtype dtype = parse_dtype(dtype_name);
  LlamaConfig config = llama32_1b();
  if (layers > 0) config.num_hidden_layers = layers;
  LlamaModel model = llama_from_tensors(config, llama_random_tensors(config, 1), "random");
  model->to(device, dtype);
  std::printf("llama_gpu: Llama-3.2-1B shape (%lld layers), random weights, %s %s, ctx %lld, batch %lld, LibTorch %s\n",
              static_cast<long long>(config.num_hidden_layers), device.str().c_str(), dtype_name.c_str(),
              static_cast<long long>(ctx), static_cast<long long>(batch), TORCH_VERSION);

  torch::NoGradGuard no_grad;
  // A scalar read back waits for every queued kernel on the device.
  auto sync = [&] { torch::zeros({1}, torch::TensorOptions().device(device)).sum().item<float>(); };
  std::printf("reference (same run):\n");
  const double peak = bench::peak_matmul_gflops(torch::TensorOptions().dtype(dtype).device(device), sync,
                                                device.is_cuda() ? std::vector<int64_t>{2048, 4096, 8192}
                                                                 : std::vector<int64_t>{512, 1024});
  auto tokens = torch::randint(config.vocab_size, {batch, ctx}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  const double s = bench::time_call([&] { model->forward(tokens); }, sync, static_cast<int>(reps));
  bench::print_llama_speed(config, batch, ctx, s, peak);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "llama_gpu: %s\n", e.what());
  return 1;
}
