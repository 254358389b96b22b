// Named BCJR-QAT recipes over QatConfig's defaults, for `bcjr train --preset NAME` and the
// studio's Start dialog. "paper" is the paper's recipe as published (AdamW 2e-4 in the weights'
// units, 10 steps, skip-high-T 0.3 -> 0.05); the defaults themselves use normalised units at the
// rate measured to move codewords on the default model (docs/RESULTS.md). Torch-free.
#pragma once

#include <string>
#include <vector>

#include "engine/quant/qat_config.h"

namespace bcjr::quant {

struct QatPreset {
  std::string name;         // "paper", "default"
  std::string description;  // one line, for --help and the dialog
  void (*apply)(QatConfig&);  // sets the fields the recipe fixes; leaves model, data, layers, device
};

const std::vector<QatPreset>& qat_presets();
// Applies the named preset; throws a bcjr::Error listing the presets for an unknown name.
void apply_qat_preset(QatConfig& config, const std::string& name);

}  // namespace bcjr::quant
