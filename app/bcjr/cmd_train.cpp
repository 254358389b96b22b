// `bcjr train`: a BCJR-QAT run (new from flags or a run.json, or resumed), with a progress bar,
// a line per step and the perplexities before and after.
#include <cstdio>
#include <string>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "app/bcjr/qat_options.h"
#include "app/bcjr/qat_report.h"
#include "engine/core/error.h"
#include "engine/quant/qat_session.h"

namespace bcjr::cli {
namespace {

int run_train(Args& args) {
  std::unique_ptr<quant::QatSession> session;
  std::string dir;
  if (auto resume = args.get("resume")) {
    dir = *resume;
    args.finish();
    session = quant::QatSession::resume(dir);
  } else {
    dir = args.required("out");
    const bool overwrite = args.flag("overwrite");
    quant::QatConfig base;
    // A run.json (its "config") or a bare configuration; unknown keys are refused by name.
    if (auto cfg = args.get("config")) base = quant::QatConfig::from_file(*cfg);
    auto config = read_qat_options(args, base, /*training=*/true);
    args.finish();
    session = quant::QatSession::create(config, dir, overwrite);
  }
  const int64_t total = session->config().total_steps();
  session->set_progress(terminal_progress());
  session->set_log_callback([](const std::string& line) { std::fprintf(stderr, "\n%s\n", line.c_str()); });
  session->set_metrics_callback([total](const quant::StepMetrics& m) { print_step(m, total); });
  try {
    session->run();
  } catch (const Cancelled&) {
    std::fprintf(stderr, "\nbcjr train: stopped; continue with: bcjr train --resume %s\n", dir.c_str());
    throw;
  }
  print_run_summary(dir);
  std::printf("export with: bcjr export %s --format pt|packed|hf --out PATH\n", dir.c_str());
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "train", "BCJR-QAT (or another --method) of chosen layers (new run, from a run.json, or --resume RUN)",
    std::string("usage: bcjr train --out RUN [--config run.json] [options]\n"
                "       bcjr train --resume RUN\n\n"
                "Initialises each target linear from PTQ, trains W_latent through the BCJR soft codeword at the\n"
                "schedule's temperature against the unquantised model's logits (forward KL, AdamW, grad-norm\n"
                "clip), hardens by tail-biting Viterbi and reports perplexity before (FP, PTQ) and after (QAT).\n"
                "--method chooses another gradient rule on the trellis (ste, jacquant) or a scalar baseline\n"
                "(bbq, rtn), which quantises, trains and hardens without the trellis (docs/METHODS.md).\n"
                "Writes RUN/run.json, metrics.jsonl (a line per step), checkpoints/, snapshots/, results.json,\n"
                "log.txt. Ctrl-C stops after checkpointing the last finished step; --resume continues it and\n"
                "reaches the same result as an uninterrupted run on the CPU.\n\n"
                "options:\n  --out RUN            run folder to create\n"
                "  --overwrite          replace a run already in RUN\n"
                "  --config FILE        start from a run.json (its \"config\") or a configuration JSON; flags override\n"
                "  --resume RUN         continue RUN from its latest checkpoint (no other options)\n") +
        kQatTrainHelp + kQatCommonHelp,
    run_train});

}  // namespace
}  // namespace bcjr::cli
