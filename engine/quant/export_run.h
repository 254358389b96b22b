// `bcjr export RUN --format pt|packed|hf --out PATH`: the quantised result of a run folder
// (snapshots/quantized.ckpt, or scalar_quantized.ckpt for the scalar baselines bbq and rtn,
// written at the end of every run) in one of the three formats. packed is the trellis's format:
// a scalar baseline's run is refused with a message pointing to pt and hf.
#pragma once

#include <string>

namespace bcjr {
class ProgressReporter;
}

namespace bcjr::quant {

struct ExportSummary {
  std::string format;
  std::string path;     // what was written (a file, or a folder)
  std::string details;  // lines for the terminal: files, bits per weight
};

// pt: one layer -> PATH is the .pt file (or a folder, then layer_<i>.pt inside); several
// layers -> PATH is a folder with layer_<i>.pt. packed: PATH is a .safetensors file. hf: PATH is
// a folder. Throws a bcjr::Error naming the run or format on any problem.
ExportSummary export_run(const std::string& run_dir, const std::string& format, const std::string& out,
                         ProgressReporter* progress = nullptr);

}  // namespace bcjr::quant
