// `bcjr train`: a BCJR-QAT run (new from flags or a run.json, or resumed), with a progress bar,
// a line per step and the perplexities before and after.
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "app/bcjr/qat_options.h"
#include "app/bcjr/qat_report.h"
#include "engine/core/error.h"
#include "engine/core/assets.h"
#include "engine/model/model_loader.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_cost.h"

namespace bcjr::cli {
namespace {

// `--estimate`: what the run would cost (engine/quant/run_cost.h), without running it.
int print_estimate(const quant::QatConfig& c) {
  model::LoadOptions o;
  o.load_tensors = false;
  const auto m = model::load_model(c.model, nullptr, o).config;
  const std::string text = c.eval_data.empty() ? c.data : c.eval_data;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(text == "default" ? resolve_text_path("default") : text, ec);
  // 3.72 bytes per token: the default tokenizer on English prose (Moby Dick).
  const int64_t tokens = ec ? 0 : int64_t(double(bytes) / 3.72);
  const auto r = quant::estimate_run_cost(c, m, tokens);
  std::printf("tiles per step %lld (%lld in all); BCJR: %s\n", (long long)r.tiles_per_step, (long long)r.tiles_total,
              r.bcjr_method.c_str());
  std::printf("BCJR state-steps per step (forward and VJP): %.3g\n", r.bcjr_state_steps);
  std::printf("per step: %.1f s (BCJR %.1f s, Viterbi %.1f s, model %.1f s, perplexity %.1f s averaged)\n",
              r.seconds_per_step, r.seconds_bcjr, r.seconds_viterbi, r.seconds_model, r.seconds_eval);
  std::printf("before the first step: %.0f s; whole run: %.0f s; peak memory %.2f GB\n", r.seconds_setup,
              r.seconds_total, r.memory_bytes / 1e9);
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("rates: %s\n", r.rates.c_str());
  return 0;
}

int run_train(Args& args) {
  std::unique_ptr<quant::QatSession> session;
  std::string dir;
  if (auto resume = args.get("resume")) {
    dir = *resume;
    args.finish();
    session = quant::QatSession::resume(dir);
  } else {
    dir = args.flag("estimate") ? std::string() : args.required("out");
    const bool overwrite = args.flag("overwrite");
    quant::QatConfig base;
    // A run.json (its "config") or a bare configuration; unknown keys are refused by name.
    if (auto cfg = args.get("config")) base = quant::QatConfig::from_file(*cfg);
    auto config = read_qat_options(args, base, /*training=*/true);
    const bool estimate = args.flag("estimate");
    args.finish();
    if (estimate) return print_estimate(config);
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
                "  --estimate           print what the run would cost (tiles, state-steps, seconds, memory) and exit\n"
                "  --resume RUN         continue RUN from its latest checkpoint (no other options)\n") +
        kQatTrainHelp + kQatCommonHelp,
    run_train});

}  // namespace
}  // namespace bcjr::cli
