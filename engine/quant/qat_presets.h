// Named BCJR-QAT recipes over QatConfig's defaults, for `bcjr train --preset NAME`, the studio's
// Start dialog and the cost benchmark. "default" is this program's defaults (normalised units at
// the rate measured to move codewords on the default model, docs/RESULTS.md); "paper" the paper's
// recipe as published (AdamW 2e-4 in the weights' units, 10 steps, skip-high-T 0.3 -> 0.05, L=16);
// "gpu" the default model's layer on a GPU at the default rate, with a perplexity curve;
// "cpu-demo" a run that finishes in minutes on 2 cores, saying what it trims. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "engine/quant/qat_config.h"

namespace bcjr::quant {

struct QatPreset {
  std::string name;           // "default", "paper", "gpu", "cpu-demo"
  std::string description;    // for --help and the dialog: what it is, and what it trims
  void (*apply)(QatConfig&);  // sets the fields the recipe fixes; leaves model, data and layers
                              // (and the device, except "gpu" and "cpu-demo", which name theirs)
};

const std::vector<QatPreset>& qat_presets();
// Applies the named preset; throws a bcjr::Error listing the presets for an unknown name.
void apply_qat_preset(QatConfig& config, const std::string& name);

}  // namespace bcjr::quant
