// Named BCJR-QAT recipes over QatConfig's defaults, for the studio's Start dialog and the cost
// benchmark: "paper" is the paper's recipe as published (AdamW 2e-4 in the weights' units, 10
// steps, skip-high-T 0.3 -> 0.05, L=16); "gpu" the default model's layer on a GPU at the rate that
// moves codewords, with a perplexity curve; "cpu-demo" a run that finishes in minutes on 2 cores,
// saying what it trims. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "engine/quant/qat_config.h"

namespace bcjr::quant {

struct QatPreset {
  std::string name;           // "paper", "gpu", "cpu-demo"
  std::string description;    // for --help and the dialog: what it is, and what it trims
  void (*apply)(QatConfig&);  // sets the fields the recipe fixes; leaves model, data and layers
};

const std::vector<QatPreset>& qat_presets();
// Applies the named preset; throws a bcjr::Error listing the presets for an unknown name.
void apply_qat_preset(QatConfig& config, const std::string& name);

}  // namespace bcjr::quant
