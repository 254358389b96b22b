// The whole check of a QAT configuration before any work starts, shared by `bcjr train`/`bcjr ptq`
// (through QatSession::create) and the studio's Start dialog: the settings themselves
// (QatConfig::validate) and what needs the model's header, read without its weights (layers that
// exist). Torch-free, for the GUI.
#pragma once

#include "engine/quant/qat_config.h"

namespace bcjr::quant {

// Throws a bcjr::Error naming the option and the problem, e.g. "QAT: layer 40 does not exist
// (default has 30 layers, 0..29)". Reads the model's header (milliseconds), not its tensors.
void validate_for_model(const QatConfig& config);

}  // namespace bcjr::quant
