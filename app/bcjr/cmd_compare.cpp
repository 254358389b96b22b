// `bcjr compare`: the QAT methods (bcjr, ste, jacquant, bbq, rtn) on identical windows and seeds,
// each run an ordinary run folder, and a table of what each bought (engine/quant/method_compare.h).
#include <cstdio>
#include <sstream>
#include <string>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "app/bcjr/qat_options.h"
#include "engine/core/error.h"
#include "engine/quant/method_compare.h"

namespace bcjr::cli {
namespace {

std::vector<std::string> split(const std::string& s, const std::string& option) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    BCJR_CHECK(!item.empty(), option, " '", s, "': an empty item");
    out.push_back(item);
  }
  BCJR_CHECK(!out.empty(), option, " is empty");
  return out;
}

double parse_rate(const std::string& s, const std::string& option) {
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  BCJR_CHECK(used == s.size() && v >= 0, option, ": '", s, "' is not a learning rate");
  return v;
}

int run_compare(Args& args) {
  quant::CompareOptions o;
  const std::string out = args.required("out");
  if (auto m = args.get("methods")) {
    o.methods.clear();
    for (const auto& name : split(*m, "--methods")) o.methods.push_back(quant::parse_qat_method(name, "--methods"));
  }
  if (auto s = args.get("seeds")) {
    o.seeds.clear();
    for (const auto& item : split(*s, "--seeds")) {
      size_t used = 0;
      unsigned long long v = 0;
      try {
        v = std::stoull(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      BCJR_CHECK(used == item.size(), "--seeds: '", item, "' is not a seed");
      o.seeds.push_back(v);
    }
  }
  if (auto ml = args.get("method-lr"))
    for (const auto& item : split(*ml, "--method-lr")) {
      auto eq = item.find('=');
      BCJR_CHECK(eq != std::string::npos, "--method-lr '", item, "': expected METHOD=LR");
      o.method_lr[quant::parse_qat_method(item.substr(0, eq), "--method-lr")] =
          parse_rate(item.substr(eq + 1), "--method-lr");
    }
  if (auto t = args.get("tune-lrs"))
    for (const auto& item : split(*t, "--tune-lrs")) o.tune_lrs.push_back(parse_rate(item, "--tune-lrs"));
  o.tune_data = args.get("tune-data", "");
  o.reuse = !args.flag("no-reuse");
  o.max_seconds = args.real("max-seconds", 0);
  BCJR_CHECK(!args.has("method"), "compare: use --methods (a list), not --method");
  BCJR_CHECK(!args.has("seed"), "compare: use --seeds (a list), not --seed");
  o.base = read_qat_options(args, quant::QatConfig(), /*training=*/true);
  args.finish();
  quant::CompareHooks hooks;
  hooks.progress = terminal_progress();
  hooks.on_log = [](const std::string& line) { std::fprintf(stderr, "\n[compare] %s\n", line.c_str()); };
  auto outcome = quant::run_comparison(o, out, hooks);
  for (const auto& kv : outcome.tuned_lr)
    std::printf("tuned lr of %s: %g\n", quant::qat_method_name(kv.first), kv.second);
  std::printf("%zu runs; wrote %s and %s\n", outcome.rows.size(), outcome.markdown.c_str(), outcome.csv.c_str());
  if (outcome.runs_left > 0)
    std::printf("stopped at --max-seconds with %d runs left: run the same command again to continue\n",
                outcome.runs_left);
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "compare", "QAT methods side by side on identical windows and seeds (bcjr, ste, jacquant, bbq, rtn)",
    std::string("usage: bcjr compare --out DIR [--model M] [--layers L] [--methods LIST] [--steps N] [--seeds LIST]\n"
                "                    [--lr F] [--method-lr M=F,...] [--tune-lrs LIST --tune-data TEXT] [options]\n\n"
                "Runs every method on the same layers, calibration windows and seeds, each run an ordinary run folder\n"
                "DIR/runs/<method>-lr<lr>-s<seed>/ (bcjr-studio opens and overlays them), then measures the held-out\n"
                "KL(FP || quantised) of the hardened and of the PTQ model, bits per weight and peak memory, and\n"
                "writes DIR/compare.md and DIR/compare.csv (rewritten after every run). A finished run of the same\n"
                "configuration is kept and an interrupted one resumed, so the same command continues a comparison.\n\n"
                "options:\n"
                "  --out DIR            the comparison's folder\n"
                "  --methods LIST       comma-separated, from bcjr, ste, jacquant, bbq, rtn (default: all five)\n"
                "  --seeds LIST         seeds of the RHT signs and the windows, e.g. 0,1,2 (default 0)\n"
                "  --lr F               the common learning rate of the \"fixed\" runs, in --lr-units (defaults as bcjr train)\n"
                "  --method-lr M=F,...  a method's own rate for its \"fixed\" runs\n"
                "  --tune-lrs LIST      also tune each method's rate over LIST on the first seed by the lowest\n"
                "                       held-out KL on --tune-data, and run every seed at it (\"tuned\" runs)\n"
                "  --tune-data TEXT     the validation text of the tuning: neither --data nor --eval-data\n"
                "  --no-reuse           redo runs that are already in DIR\n"
                "  --max-seconds S      start no new run after S seconds (the same command continues later)\n"
                "and the options of bcjr train except --method, --seed, --out, --config and --resume:\n") +
        kQatTrainHelp + kQatCommonHelp,
    run_compare});

}  // namespace
}  // namespace bcjr::cli
