// The CPU throughputs the run-cost estimate (engine/quant/run_cost.h) prices a BCJR-QAT step with:
// BCJR forward, BCJR VJP and Viterbi in state-steps (one state of one step of one tile in one run)
// at several L, and the Llama forward and training FLOP rates of the default model, FLOPs counted
// as run_cost counts them. Rates are per second of process CPU time (all threads), so that a
// machine shared with other work still measures the work; wall-clock rates are printed beside them.
// Paste the CPU-time figures into run_cost.cpp's CPU rates.
//
// usage: run_cost_rates [--threads N] [--window 256] [--model default]
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/runtime.h"
#include "engine/model/llama.h"
#include "engine/model/llama_flops.h"
#include "engine/model/model_loader.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/viterbi.h"

using namespace bcjr;

namespace {

double resident_mb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return double(resident) * 4096.0 / 1e6;
}

struct Timed {
  double cpu = 0, wall = 0;  // seconds per call: process CPU time (every thread) and wall clock
};

// The median of `reps` calls after a warm-up, by CPU time.
Timed time_cpu(const std::function<void()>& f, int reps) {
  f();
  std::vector<Timed> t;
  for (int i = 0; i < reps; ++i) {
    const std::clock_t c0 = std::clock();
    const auto w0 = std::chrono::steady_clock::now();
    f();
    t.push_back({double(std::clock() - c0) / CLOCKS_PER_SEC,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count()});
  }
  std::sort(t.begin(), t.end(), [](const Timed& a, const Timed& b) { return a.cpu < b.cpu; });
  return t[t.size() / 2];
}

void trellis_rates() {
  std::printf("%-3s %14s %14s %14s   (state-steps per CPU second: tiles x N x 2^L per run / CPU s; wall in [])\n",
              "L", "bcjr_forward", "bcjr_vjp", "viterbi");
  for (int L : {6, 8, 10, 12, 14, 16}) {
    trellis::TrellisSpec spec;
    spec.L = L;
    spec.k = 2;
    spec.V = 2;
    spec.n = 256;
    const auto cb = trellis::make_codebook("hyb", L, 2, 0);
    const double per_tile = double(spec.steps()) * double(spec.states());
    const int64_t tiles = std::max<int64_t>(8, int64_t(1.5e8 / per_tile));
    auto w = torch::randn({tiles, 256}) * 0.9 * cb.rms();
    auto g = torch::randn({tiles, 256});
    trellis::BcjrOptions o;
    o.T = 0.1;
    const Timed f = time_cpu([&] { trellis::bcjr_forward(w, spec, cb, o); }, 3);
    const Timed v = time_cpu([&] { trellis::bcjr_vjp(w, g, spec, cb, o); }, 3);
    const Timed vi = time_cpu([&] { trellis::viterbi(w, spec, cb, trellis::Boundary::Free); }, 3);
    const double units = double(tiles) * per_tile;
    std::printf("%-3d %14.4g %14.4g %14.4g   [%.3g %.3g %.3g] (%lld tiles)\n", L, units / f.cpu, units / v.cpu,
                units / vi.cpu, units / f.wall, units / v.wall, units / vi.wall, (long long)tiles);
  }
}

void model_rates(const std::string& spec, int64_t window) {
  auto model = model::llama_from_loaded(model::load_model(spec));
  const auto& c = model->config();
  const int64_t first = 4, layers = c.num_hidden_layers;
  auto tokens = torch::randint(c.vocab_size, {1, window}, torch::kInt64);
  const double full = model::llama_flops_per_token(c, window);
  torch::Tensor teacher;
  const Timed fwd = time_cpu(
      [&] {
        torch::NoGradGuard ng;
        teacher = torch::log_softmax(model->forward(tokens).to(torch::kFloat32), -1);
      },
      3);
  // The student as the trainer runs it, with plain trainable weights in place of the soft codewords.
  std::vector<torch::Tensor> params;
  for (const auto& name : model::llama_linear_names()) {
    auto w = model->linear(first, name)->weight.detach().clone().set_requires_grad(true);
    params.push_back(w);
    model->set_weight_provider(first, name, [w] { return w; });
  }
  const Timed train = time_cpu(
      [&] {
        torch::Tensor h;
        {
          torch::NoGradGuard ng;
          h = model->forward_layers(model->embed(tokens), 0, first);
        }
        auto logits = model->head(model->forward_layers(h, first, layers));
        auto ls = torch::log_softmax(logits.to(torch::kFloat32), -1);
        auto kl = (teacher.exp() * (teacher - ls)).sum(-1).mean();
        for (auto& p : params) p.mutable_grad() = torch::Tensor();
        kl.backward();
      },
      3);
  const double above = model::llama_layer_flops_per_token(c, window, first, layers) + 2.0 * c.hidden_size * c.vocab_size;
  std::printf("model %s, window %lld, trained layer %lld:\n", spec.c_str(), (long long)window, (long long)first);
  std::printf("  forward (no grad)         %.3f CPU s (%.3f s wall)  ->  %.4g FLOP per CPU second (%.3f GFLOP/token)\n",
              fwd.cpu, fwd.wall, window * full / fwd.cpu, full / 1e9);
  std::printf("  student forward+backward  %.3f CPU s (%.3f s wall)  ->  %.4g FLOP per CPU second (counted: window x "
              "(full + 2 x above))\n",
              train.cpu, train.wall, window * (full + 2 * above) / train.cpu);
}

}  // namespace

int main(int argc, char** argv) try {
  int threads = 0;
  int64_t window = 256;
  std::string model = "default";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--threads") threads = std::stoi(v);
    else if (k == "--window") window = std::stoll(v);
    else if (k == "--model") model = v;
    else fail("run_cost_rates: unknown option ", k);
  }
  const double rss0 = resident_mb();
  const int n = set_thread_count(threads);
  std::printf("run_cost_rates: %d threads, LibTorch %s, fp32; resident before the model: %.0f MB\n", n, TORCH_VERSION,
              rss0);
  trellis_rates();
  model_rates(model, window);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "run_cost_rates: %s\n", e.what());
  return 1;
}
