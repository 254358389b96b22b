#include "app/bcjr/qat_options.h"

#include <cstdio>
#include <sstream>

#include "engine/core/error.h"
#include "engine/model/model_loader.h"
#include "engine/quant/qat_presets.h"

namespace bcjr::cli {

const char* const kQatCommonHelp =
    "  --model M            model: \"default\", a .gguf file or a Hugging Face folder (default: default)\n"
    "  --layers L           target decoder layers: 4,8 or all (default: 4)\n"
    "  --data D             calibration text (tokenised by the model) or .npy token ids (default: default)\n"
    "  --eval-data D        held-out text for perplexity (default: the held-out part of --data)\n"
    "  --held-out F         without --eval-data: the last F of --data's lines (ids for .npy) are held out\n"
    "                       for perplexity and the rest calibrates; 0 = evaluate on the calibration text\n"
    "                       (default 0.1)\n"
    "  --L N --k N --V N    trellis: state bits, bits per weight, weights per step (default 16, 2, 2)\n"
    "  --code C             hyb (V=2), 1mad or 3inst (V=1) (default: hyb)\n"
    "  --codebook-seed S    seed of the hyb LUT (default 0)\n"
    "  --rms-factor F       normalised weight RMS / codebook RMS (default 0.9)\n"
    "  --tailbiting-bcjr M  tail-biting BCJR: exact (2^(L-kV) conditioned sweeps per tile), fixed-overlap\n"
    "                       (conditioned on the hard Viterbi overlap) or auto (exact where 2^(L-kV) <= 256)\n"
    "  --seed S             RHT signs and calibration windows (default 0)\n"
    "  --calib-windows N    windows for the proxy Hessians (default 8; ldlq needs them)\n"
    "  --window N           calibration window in tokens (default 1024)\n"
    "  --damping F          proxy Hessian damping, x mean diagonal (default 0.01)\n"
    "  --eval-ctx N         perplexity window (default 2048)\n"
    "  --eval-windows N     cap on perplexity windows, 0 = all (default 0)\n"
    "  --no-eval            skip the FP / PTQ / QAT perplexities\n"
    "  --device D           cpu or cuda: where the model, W_latent and the trellis work run (default cpu)\n"
    "  --threads N          CPU threads\n";

const char* const kQatTrainHelp =
    "  --method M           bcjr (the BCJR soft codeword, default), ste (hard Viterbi, identity gradient),\n"
    "                       jacquant (hard Viterbi, learned per-tile slope b_g), bbq or rtn (scalar\n"
    "                       baselines without the trellis, at --k bits); docs/METHODS.md\n"
    "  --jacquant-refresh N --jacquant-probes N --jacquant-dithers N --jacquant-scale F\n"
    "  --jacquant-ema F --jacquant-clip LO,HI --jacquant-shrink F\n"
    "                       JacQuant's slope estimation (defaults 2, 1, 2, 1.0, 0.5, 0.1,3.0, 0.25)\n"
    "  --ptq rht|ldlq       PTQ initialisation of the trellis methods (default rht)\n"
    "  --multi-layer M      independent, greedy or joint (default joint)\n"
    "  --steps N            steps per phase (default 10)\n"
    "  --schedule S         skip-high-T, naive, a JSON object or a .json file (default skip-high-T)\n"
    "  --phase-schedules S  independent/greedy: one schedule per layer, as presets separated by commas,\n"
    "                       a JSON array or a .json file holding one (the studio's editor saves these)\n"
    "  --preset P           a named recipe applied before the other options: default, paper (the\n"
    "                       paper's: lr 2e-4 in weight units, 10 steps, skip-high-T), gpu or cpu-demo\n"
    "  --lr F --weight-decay F --clip F --beta1 F --beta2 F   AdamW (0.05, 0.01, 1.0, 0.9, 0.999)\n"
    "  --lr-units U         normalised (default): lr x each linear's PTQ scale, so a step moves\n"
    "                       RHT(W)/scale by about lr, to compare with the Voronoi radius; or weight (the\n"
    "                       paper's units, the weights' own)\n"
    "  --checkpoint-every N checkpoint interval in steps (default 5; always at the end)\n"
    "  --flips-every N      steps between codeword-flip counts (a Viterbi per linear; 0 = never; default 1)\n"
    "  --eval-every N       held-out perplexity of the student every N steps (default 0 = never)\n";

std::vector<int64_t> parse_layers(const std::string& spec, const std::string& model) {
  std::vector<int64_t> out;
  if (spec == "all") {
    model::LoadOptions o;
    o.load_tensors = false;
    auto m = model::load_model(model, nullptr, o);
    for (int64_t i = 0; i < m.config.num_hidden_layers; ++i) out.push_back(i);
    return out;
  }
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    BCJR_CHECK(used == item.size() && !item.empty() && v >= 0, "--layers '", spec,
               "': expected a comma-separated list of layer numbers, or all");
    out.push_back(v);
  }
  BCJR_CHECK(!out.empty(), "--layers '", spec, "' names no layer");
  return out;
}

void read_jacquant_options(Args& a, quant::JacQuantOptions& o) {
  o.refresh_every = int(a.integer("jacquant-refresh", o.refresh_every));
  o.probes = int(a.integer("jacquant-probes", o.probes));
  o.dithers = int(a.integer("jacquant-dithers", o.dithers));
  o.scale = a.real("jacquant-scale", o.scale);
  o.ema = a.real("jacquant-ema", o.ema);
  o.shrink = a.real("jacquant-shrink", o.shrink);
  if (auto clip = a.get("jacquant-clip")) {
    double lo = 0, hi = 0;
    char tail = 0;
    BCJR_CHECK(std::sscanf(clip->c_str(), "%lf,%lf%c", &lo, &hi, &tail) == 2, "--jacquant-clip '", *clip,
               "': expected LO,HI");
    o.lo = lo;
    o.hi = hi;
  }
  o.validate();
}

quant::QatConfig read_qat_options(Args& a, quant::QatConfig c, bool training) {
  if (training)
    if (auto p = a.get("preset")) quant::apply_qat_preset(c, *p);
  c.model = a.get("model", c.model);
  c.data = a.get("data", c.data);
  c.eval_data = a.get("eval-data", c.eval_data);
  c.held_out = a.real("held-out", c.held_out);
  if (auto l = a.get("layers")) c.layers = parse_layers(*l, c.model);
  c.quant.L = int(a.integer("L", c.quant.L));
  c.quant.k = int(a.integer("k", c.quant.k));
  c.quant.V = int(a.integer("V", c.quant.V));
  c.quant.code = a.get("code", c.quant.code);
  c.quant.codebook_seed = uint64_t(a.integer("codebook-seed", int64_t(c.quant.codebook_seed)));
  c.quant.rms_factor = a.real("rms-factor", c.quant.rms_factor);
  c.quant.tailbiting_bcjr = a.get("tailbiting-bcjr", c.quant.tailbiting_bcjr);
  c.seed = uint64_t(a.integer("seed", int64_t(c.seed)));
  c.calib_windows = a.integer("calib-windows", c.calib_windows);
  c.window = a.integer("window", c.window);
  c.damping = a.real("damping", c.damping);
  c.eval_ctx = a.integer("eval-ctx", c.eval_ctx);
  c.eval_windows = a.integer("eval-windows", c.eval_windows);
  if (a.flag("no-eval")) c.eval_before_after = false;
  c.device = a.get("device", c.device);
  if (training) {
    if (auto m = a.get("method")) c.method = quant::parse_qat_method(*m);
    read_jacquant_options(a, c.jacquant);
    c.ptq_mode = a.get("ptq", c.ptq_mode);
    c.multi_layer = a.get("multi-layer", c.multi_layer);
    c.steps = a.integer("steps", c.steps);
    if (auto s = a.get("schedule")) c.schedule = quant::TemperatureSchedule::parse(*s);
    if (auto s = a.get("phase-schedules")) c.phase_schedules = quant::TemperatureSchedule::parse_list(*s);
    c.lr = a.real("lr", c.lr);
    c.lr_units = a.get("lr-units", c.lr_units);
    c.weight_decay = a.real("weight-decay", c.weight_decay);
    c.clip = a.real("clip", c.clip);
    c.beta1 = a.real("beta1", c.beta1);
    c.beta2 = a.real("beta2", c.beta2);
    c.checkpoint_every = a.integer("checkpoint-every", c.checkpoint_every);
    c.flips_every = a.integer("flips-every", c.flips_every);
    c.eval_every = a.integer("eval-every", c.eval_every);
  } else {
    c.ptq_mode = a.get("mode", c.ptq_mode);
    c.steps = 0;
  }
  c.validate();
  return c;
}

}  // namespace bcjr::cli
