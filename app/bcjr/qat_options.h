// Options shared by `bcjr ptq` and `bcjr train`: the model, data, target layers, trellis code,
// PTQ mode, seeds and evaluation settings, read into a QatConfig over a base (defaults or a
// --config file), and the help text that documents them.
#pragma once

#include <string>

#include "app/bcjr/args.h"
#include "engine/quant/qat_config.h"

namespace bcjr::cli {

// Reads every option that is present; absent ones keep `base`'s values.
quant::QatConfig read_qat_options(Args& args, quant::QatConfig base, bool training);
// --jacquant-* into `o` (absent ones keep its values); validated.
void read_jacquant_options(Args& args, quant::JacQuantOptions& o);
// "4,8" -> {4, 8}; "all" -> every layer of the model (read from its header).
std::vector<int64_t> parse_layers(const std::string& spec, const std::string& model);
extern const char* const kQatCommonHelp;
extern const char* const kQatTrainHelp;

}  // namespace bcjr::cli
