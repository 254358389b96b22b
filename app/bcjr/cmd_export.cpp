// `bcjr export RUN --format pt|packed|hf --out PATH`: a finished run's quantised layers as the
// paper's .pt snapshots, a packed safetensors file, or a dequantised Hugging Face folder.
#include <cstdio>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "engine/quant/export_run.h"

namespace bcjr::cli {
namespace {

int run_export(Args& args) {
  const std::string run = args.positional_at(0, "RUN");
  const std::string format = args.required("format");
  const std::string out = args.required("out");
  args.finish();
  auto s = quant::export_run(run, format, out, terminal_progress());
  std::fputs(s.details.c_str(), stdout);
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "export", "export a run's quantised layers: pt (paper snapshots), packed (bitstreams), hf (folder)",
    "usage: bcjr export RUN --format pt|packed|hf --out PATH\n\n"
    "  pt      the paper's dict {attn_q_proj, ..., mlp_down_proj} of dequantised fp32 [out, in] tensors,\n"
    "          loadable with torch.load(path, weights_only=True); one layer: PATH.pt, several: a folder\n"
    "          of layer_<i>.pt\n"
    "  packed  safetensors with per-linear tail-biting bitstreams, RHT signs, scales and the LUT, the\n"
    "          quantisation config and run manifest in __metadata__; prints nominal and effective bits/weight\n"
    "  hf      a Hugging Face folder (config, tokenizer files, fp32 model.safetensors with the quantised\n"
    "          layers dequantised, README.md saying what was converted)\n",
    run_export});

}  // namespace
}  // namespace bcjr::cli
