#include "engine/quant/qat_presets.h"

#include "engine/core/error.h"

namespace bcjr::quant {
namespace {

void paper(QatConfig& c) {
  const QatConfig d;
  c.quant = d.quant;  // L=16, k=2, V=2, hyb, tail-biting, RMS factor 0.9
  c.schedule = TemperatureSchedule::preset("skip-high-T");
  c.steps = 10;
  c.lr = 2e-4;
  c.lr_units = "weight";
  c.beta1 = 0.9;
  c.beta2 = 0.999;
  c.weight_decay = 0.01;
  c.clip = 1.0;
  c.window = 1024;
}

void defaults(QatConfig& c) {
  const QatConfig d;
  c.quant = d.quant;
  c.schedule = d.schedule;
  c.steps = d.steps;
  c.lr = d.lr;
  c.lr_units = d.lr_units;
  c.beta1 = d.beta1;
  c.beta2 = d.beta2;
  c.weight_decay = d.weight_decay;
  c.clip = d.clip;
  c.window = d.window;
}

// This program's defaults (the paper's trellis and schedule at lr 0.05 in normalised units, the
// rate that moves codewords on the default model, docs/RESULTS.md), a perplexity curve, on the GPU.
void gpu(QatConfig& c) {
  defaults(c);
  c.eval_every = 2;
  c.device = "cuda";
}

void cpu_demo(QatConfig& c) {
  gpu(c);
  c.device = "cpu";
  c.eval_every = 0;
  c.quant.L = 8;
  c.quant.tailbiting_bcjr = "fixed-overlap";
  c.steps = 4;
  c.window = 256;
  c.calib_windows = 1;
  c.flips_every = 4;
  c.eval_ctx = 256;
  c.eval_windows = 4;
}

}  // namespace

const std::vector<QatPreset>& qat_presets() {
  static const std::vector<QatPreset> presets = {
      {"default",
       "this program's defaults: skip-high-T, 10 steps, AdamW lr 0.05 in normalised units (measured to beat PTQ on "
       "the default model)",
       defaults},
      {"paper",
       "the paper's recipe: skip-high-T 0.3 -> 0.05, 10 steps, AdamW lr 2e-4 in the weights' units, L=16 k=2 V=2 "
       "hyb (moves no codeword on SmolLM2-135M: docs/RESULTS.md)",
       paper},
      {"gpu",
       "GPU, one layer: the paper's trellis and schedule on CUDA at lr 0.05 in normalised units (the rate that moves "
       "codewords on the default model) with the held-out perplexity every 2 steps",
       gpu},
      {"cpu-demo",
       "CPU demo: PTQ, 4 QAT steps and the FP / PTQ / QAT perplexities of one layer of the default model in minutes "
       "on 2 cores. It trims: L = 8 instead of 16 (256 states instead of 65,536), tail-biting on the fixed overlap, "
       "windows of 256 tokens instead of 1024, one calibration window, flips counted at the end only, perplexity on "
       "4 windows of 256 tokens instead of the whole held-out text at 2048. Its numbers show the method, not the "
       "paper's",
       cpu_demo},
  };
  return presets;
}

void apply_qat_preset(QatConfig& config, const std::string& name) {
  std::string names;
  for (const auto& p : qat_presets()) {
    if (p.name == name) {
      p.apply(config);
      return;
    }
    names += (names.empty() ? "" : ", ") + p.name;
  }
  fail("--preset '", name, "': expected one of ", names);
}

}  // namespace bcjr::quant
