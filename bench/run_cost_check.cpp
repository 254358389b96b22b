// How far the run-cost estimate (engine/quant/run_cost.h, what the Start dialog shows) is from a
// real run on this machine: runs a preset (default: the CPU demo) end to end with QatSession, as
// the studio does, and prints measured and estimated seconds per step, before the first step, for
// the whole run, and the peak resident memory, with their ratios (estimate / measured). Time is
// measured twice: wall clock, and process CPU time / 2 (what an idle 2-core machine would take if
// both cores stay busy: the estimate's reference), since the machine may be shared.
//
// usage: run_cost_check [--preset cpu-demo] [--steps N] [--L N] [--threads N] [--out DIR]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/core/runtime.h"
#include "engine/model/model_loader.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_cost.h"
#include "engine/quant/qat_presets.h"

using namespace bcjr;

namespace {
double peak_rss_mb() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double cpu_seconds() { return double(std::clock()) / CLOCKS_PER_SEC; }
void row(const char* what, double estimate, double wall, double cpu) {
  std::printf("%-28s %9.1f %9.1f %9.1f   %6.2f %6.2f\n", what, estimate, wall, cpu, estimate / wall, estimate / cpu);
}
}  // namespace

int main(int argc, char** argv) try {
  std::string preset = "cpu-demo", out;
  int threads = 0;
  int64_t steps = -1, L = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--preset") preset = v;
    else if (k == "--steps") steps = std::stoll(v);
    else if (k == "--L") L = std::stoll(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--out") out = v;
    else fail("run_cost_check: unknown option ", k);
  }
  const int n = set_thread_count(threads);
  quant::QatConfig c;
  quant::apply_qat_preset(c, preset);
  c.device = "cpu";
  if (steps >= 0) c.steps = steps;
  if (L > 0) c.quant.L = int(L);
  c.validate();
  if (out.empty()) out = (std::filesystem::temp_directory_path() / ("run_cost_check-" + std::to_string(::getpid()))).string();

  model::LoadOptions lo;
  lo.load_tensors = false;
  const auto m = model::load_model(c.model, nullptr, lo).config;
  const auto text = std::filesystem::file_size(resolve_text_path(c.data));
  const auto est = quant::estimate_run_cost(c, m, int64_t(double(text) / 3.72));

  std::printf("run_cost_check: preset %s, L=%d, %lld steps, %d threads, run folder %s\n", preset.c_str(), c.quant.L,
              (long long)c.steps, n, out.c_str());
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  double first_step_at = -1, first_step_cpu = -1, last_cpu = c0;
  std::vector<double> step_seconds, step_cpu;
  // The training stage's first report marks the end of the setup (PTQ, FP and PTQ perplexity).
  struct StageWatch : ProgressReporter {
    std::function<void()> on_training;
    bool report(const ProgressEvent& e) override {
      if (e.stage == "BCJR-QAT steps" && on_training) {
        on_training();
        on_training = nullptr;
      }
      return true;
    }
  } watch;
  double peak_before_training = 0;
  watch.on_training = [&] {
    peak_before_training = peak_rss_mb();
    first_step_at = since(t0);
    first_step_cpu = cpu_seconds() - c0;
    last_cpu = cpu_seconds();
  };
  auto session = quant::QatSession::create(c, out, true);
  session->set_progress(&watch);
  session->set_metrics_callback([&](const quant::StepMetrics& s) {
    const double now = cpu_seconds();
    step_seconds.push_back(s.seconds);
    step_cpu.push_back(now - last_cpu);
    last_cpu = now;
    std::printf("  step %lld: %.1f s wall, %.1f CPU s, KL %.4f, peak %.0f MB\n", (long long)s.step, s.seconds,
                step_cpu.back(), s.kl, s.peak_rss_mb);
    std::fflush(stdout);
  });
  const auto outcome = session->run();
  const double total = since(t0), total_cpu = cpu_seconds() - c0;
  for (const auto& [name, ppl] : outcome.perplexities) std::printf("  perplexity %s %.4f\n", name.c_str(), ppl);

  double mean = 0, mean_cpu = 0;
  for (double s : step_seconds) mean += s / double(step_seconds.size());
  for (double s : step_cpu) mean_cpu += s / double(step_cpu.size());
  const double cores = 2;  // the estimate's reference: an idle 2-core machine
  std::printf("\n%-28s %9s %9s %9s   %6s %6s   (seconds; last two: estimate / wall, estimate / (CPU/2))\n", "",
              "estimate", "wall", "CPU / 2", "ratio", "ratio");
  row("seconds per step (mean)", est.seconds_per_step, mean, mean_cpu / cores);
  row("before the first step", est.seconds_setup, first_step_at, first_step_cpu / cores);
  row("whole run", est.seconds_total, total, total_cpu / cores);
  std::printf("%-28s %9.0f %9.0f %9s   %6.2f  (MB)\n", "peak resident memory", est.memory_bytes / 1e6, peak_rss_mb(),
              "", est.memory_bytes / 1e6 / peak_rss_mb());
  std::printf("peak resident memory before the first step (loading, PTQ, perplexities): %.0f MB\n",
              peak_before_training);
  std::printf("(\"before the first step\" measured includes loading the model and tokenising, which the estimate "
              "leaves out)\n");
  std::printf("estimate's parts per step: BCJR %.1f s, Viterbi %.1f s, model %.1f s, perplexity %.1f s\n",
              est.seconds_bcjr, est.seconds_viterbi, est.seconds_model, est.seconds_eval);
  std::printf("rates: %s\n", est.rates.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "run_cost_check: %s\n", e.what());
  return 1;
}
