// `bcjr ptq`: post-training trellis quantisation of chosen layers (rht or ldlq) into a run folder,
// with per-linear MSE and proxy error and the FP / PTQ perplexities.
#include <cstdio>
#include <string>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "app/bcjr/qat_options.h"
#include "app/bcjr/qat_report.h"
#include "engine/quant/qat_session.h"

namespace bcjr::cli {
namespace {

int run_ptq(Args& args) {
  const std::string out = args.required("out");
  const bool overwrite = args.flag("overwrite");
  quant::QatConfig base;
  base.ptq_mode = "rht";
  auto config = read_qat_options(args, base, /*training=*/false);
  args.finish();
  auto session = quant::QatSession::create(config, out, overwrite);
  session->set_progress(terminal_progress());
  session->set_log_callback([](const std::string& line) { std::fprintf(stderr, "\n%s\n", line.c_str()); });
  session->run();
  print_run_summary(out);
  std::printf("export with: bcjr export %s --format pt|packed|hf --out PATH\n", out.c_str());
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "ptq", "post-training trellis quantisation (RHT, or QTIP's BlockLDLQ) of chosen layers",
    std::string("usage: bcjr ptq --out RUN [--model M] [--layers 4,8|all] [--mode rht|ldlq] [options]\n\n"
                "Quantises the seven linears of each target layer: random Hadamard transform with seeded signs,\n"
                "RMS scale, 16x16 tiles, tail-biting Viterbi; ldlq adds proxy Hessians from calibration windows\n"
                "and BlockLDLQ. Writes the run folder RUN (run.json, results.json, log.txt, snapshots/) and\n"
                "prints per-linear MSE, proxy error and the perplexities (FP, PTQ) with their protocol.\n\n"
                "options:\n  --out RUN            run folder to create (required)\n"
                "  --overwrite          replace a run already in RUN\n"
                "  --mode rht|ldlq      (default rht)\n") +
        kQatCommonHelp,
    run_ptq});

}  // namespace
}  // namespace bcjr::cli
