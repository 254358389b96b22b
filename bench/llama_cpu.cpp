// Llama forward speed on the CPU: tokens per second of whole-sequence forwards at ctx 512 of the
// default model (SmolLM2-135M), read against LibTorch's own fp32 matmul rate measured in the
// same run, with the model's FLOPs per token so that the efficiency is visible.
//
// usage: llama_cpu [--model default|PATH|smollm2-135m-random] [--ctx 512] [--batch 1] [--reps 3] [--threads N]
#include <cstdio>
#include <cstdlib>
#include <string>

#include <torch/torch.h>

#include "bench/llama_bench_common.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/model/llama.h"
#include "engine/model/llama_random.h"
#include "engine/model/model_loader.h"

using namespace bcjr;
using namespace bcjr::model;


int main(int argc, char** argv) try {
  std::string model_spec = "default";
  int64_t ctx = 512, batch = 1, reps = 3, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model_spec = v;
    else if (k == "--ctx") ctx = std::stoll(v);
    else if (k == "--batch") batch = std::stoll(v);
    else if (k == "--reps") reps = std::stoll(v);
    else if (k == "--threads") threads = std::stoll(v);
    else fail("llama_cpu: unknown option ", k);
  }
  const int nthreads = set_thread_count(static_cast<int>(threads));
  // The random one has the same shapes, hence the same speed, without needing the asset.
  LlamaModel model = model_spec == "smollm2-135m-random"
                         ? llama_from_tensors(smollm2_135m_config(), llama_random_tensors(smollm2_135m_config(), 1), "random")
                         : llama_from_loaded(load_model(model_spec));
  const LlamaConfig config = model->config();
  std::printf("llama_cpu: %s, ctx %lld, batch %lld, %d threads, LibTorch %s, fp32\n", model_spec.c_str(),
              static_cast<long long>(ctx), static_cast<long long>(batch), nthreads, TORCH_VERSION);

  torch::NoGradGuard no_grad;
  auto nosync = [] {};
  std::printf("reference (same run):\n");
  const double peak = bench::peak_matmul_gflops(torch::TensorOptions().dtype(torch::kFloat32), nosync, {512, 1024, 2048});
  auto tokens = torch::randint(config.vocab_size, {batch, ctx}, torch::kInt64);
  const double s = bench::time_call([&] { model->forward(tokens); }, nosync, static_cast<int>(reps));
  bench::print_llama_speed(config, batch, ctx, s, peak);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "llama_cpu: %s\n", e.what());
  return 1;
}
