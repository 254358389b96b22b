#include "engine/quant/run_cost.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/model/llama_flops.h"
#include "engine/quant/tiles.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::quant {

namespace {

std::vector<double> by_l(std::initializer_list<std::pair<int, double>> entries) {
  std::vector<double> v(17, 0.0);
  for (const auto& [L, r] : entries) v[size_t(L)] = r;
  return v;
}

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kTeacherCacheBytes = 2 * kGiB;  // qat_trainer's cap on cached teacher log-probabilities
constexpr double kGpuWorkspaceBytes = 24 * kGiB;  // kernels' cap on BCJR workspace (PERF.md)

}  // namespace

const CostRates& cpu_reference_rates() {
  // bench/run_cost_rates, 2 threads, OMP_WAIT_POLICY=PASSIVE, Release, LibTorch 1.13 (Debian), on the
  // 2-core Debian 12 machine (AMD EPYC) while other builds shared it (load 14-17), 2026-12-02. Per
  // second of CPU time, so the load does not enter (docs/PERF.md, "The cost estimate").
  static const CostRates r{
      "CPU rates per core-second measured by bench/run_cost_rates on the 2-core reference machine (AMD EPYC, "
      "LibTorch 1.13), 2026-12-02; wall time assumes both cores busy (docs/PERF.md)",
      2,
      by_l({{6, 1.27e8}, {8, 1.66e8}, {10, 1.80e8}, {12, 1.77e8}, {14, 1.78e8}, {16, 1.79e8}}),
      by_l({{6, 7.85e7}, {8, 1.12e8}, {10, 1.21e8}, {12, 1.23e8}, {14, 1.24e8}, {16, 1.15e8}}),
      by_l({{6, 6.06e8}, {8, 8.55e8}, {10, 1.35e9}, {12, 1.33e9}, {14, 1.39e9}, {16, 1.28e9}}),
      7.99e10,  // forward, no gradients: mean of two runs (8.03e10, 7.94e10)
      3.78e10,  // student forward + backward: mean of two runs (4.51e10, 3.05e10)
      1.61e8};  // resident before the model is loaded
  return r;
}

const CostRates& h200_rates() {
  // docs/PERF.md, H200, default kernels (variant 2): a Llama-3.2-1B layer (237,568 tiles, L=16,
  // N=128) takes 5.121 s for the BCJR forward and 13.086 s for forward + VJP (so 7.965 s for the
  // VJP), and 3.159 s for the two-pass tail-biting Viterbi. docs/RESULTS.md: one training step of a
  // SmolLM2-135M layer (13,824 tiles, window 1024) takes 1.3 s. These rates give 0.76 s of BCJR and
  // 0.37 s of Viterbi (the overlap, the flips) for it; the model's 1.31 TFLOP as counted here take
  // the 0.17 s left: 7.7e12 FLOP/s, fitted to that one step, for the forward and the training alike.
  const double layer = 237568.0 * 128.0 * 65536.0;
  static const CostRates r{"GPU rates from the H200 figures of docs/PERF.md and docs/RESULTS.md (L=16 kernels; "
                           "other L scaled by state count)",
                           0,
                           by_l({{16, layer / 5.121}}),
                           by_l({{16, layer / 7.965}}),
                           by_l({{16, 2.0 * layer / 3.159}}),
                           7.7e12,
                           7.7e12,
                           0.0};
  return r;
}

double rate_at(const std::vector<double>& v, int L) {
  int lo = -1, hi = -1;
  for (int i = 0; i < int(v.size()); ++i)
    if (v[size_t(i)] > 0) {
      if (i <= L) lo = i;
      if (i >= L && hi < 0) hi = i;
    }
  if (lo < 0 && hi < 0) return 0;
  if (lo < 0) return v[size_t(hi)];
  if (hi < 0 || hi == lo) return v[size_t(lo)];
  const double f = double(L - lo) / double(hi - lo);
  return std::exp(std::log(v[size_t(lo)]) + f * (std::log(v[size_t(hi)]) - std::log(v[size_t(lo)])));
}

RunCost estimate_run_cost(const QatConfig& c, const model::LlamaConfig& m, int64_t eval_tokens) {
  RunCost r;
  const bool gpu = c.device == "cuda";
  const CostRates& rates = gpu ? h200_rates() : cpu_reference_rates();
  r.rates = rates.source;
  const auto spec = c.quant.spec();
  const double N = spec.steps(), S = double(spec.states());
  r.overlaps = spec.overlaps();
  const bool tailbiting = c.quant.boundary != "free";
  // The method (docs/METHODS.md): only bcjr runs the BCJR; ste and jacquant run a hard Viterbi
  // forward (jacquant also its slope estimators); the scalar baselines have no trellis at all.
  const bool soft_codeword = c.method == QatMethod::Bcjr;
  const bool trellis_method = is_trellis_method(c.method);
  r.bcjr_exact = soft_codeword && tailbiting &&
                 (c.quant.tailbiting_bcjr == "exact" ||
                  (c.quant.tailbiting_bcjr == "auto" && r.overlaps <= trellis::kMaxExactOverlaps));
  const bool viterbi_exact = tailbiting && r.overlaps <= trellis::kMaxExactOverlaps;  // Viterbi's Auto
  const double viterbi_runs = !tailbiting ? 1.0 : viterbi_exact ? double(r.overlaps) : 2.0;
  r.bcjr_multiplier = !soft_codeword ? 0.0 : r.bcjr_exact ? double(r.overlaps) : 1.0;
  // Hard Viterbi passes over the step's tiles per step, besides the BCJR's overlap and the flips.
  double hard_passes = 0;
  if (c.method == QatMethod::Ste || c.method == QatMethod::JacQuant) hard_passes = 1;  // the forward's codeword
  if (c.method == QatMethod::JacQuant)  // a refresh: 2K probe passes and M dithers, every R steps
    hard_passes += double(2 * c.jacquant.probes + c.jacquant.dithers) / double(std::max(1, c.jacquant.refresh_every));
  if (!trellis_method) r.bcjr_method = std::string(qat_method_name(c.method)) +
                                        ": no trellis, each weight rounded on its own (no BCJR, no Viterbi)";
  else if (!soft_codeword)
    r.bcjr_method = std::string(qat_method_name(c.method)) + ": no BCJR; a hard tail-biting Viterbi forward" +
                    (c.method == QatMethod::JacQuant
                         ? format(" plus %.1f Viterbi passes per step on average for the slopes", hard_passes - 1)
                         : std::string()) +
                    ", " + (c.method == QatMethod::Ste ? "identity" : "per-tile slope") + " backward";
  else if (!tailbiting) r.bcjr_method = "free boundary: one sweep pair per tile";
  else if (r.bcjr_exact)
    r.bcjr_method = "tail-biting, exact: " + std::to_string(r.overlaps) + " conditioned sweeps per tile (2^(L-kV))";
  else
    r.bcjr_method = "tail-biting on the fixed overlap of the hard Viterbi path: one sweep per tile plus a Viterbi";

  const int64_t tiles_layer = model::llama_layer_linear_params(m) / kTileSize;
  const int64_t layers = int64_t(c.layers.size());
  const bool joint = c.multi_layer == "joint";
  r.tiles_per_step = tiles_layer * (joint ? layers : 1);
  r.tiles_total = tiles_layer * layers;
  const double unit = double(r.tiles_per_step) * N * S;  // state-steps of one run over the step's tiles
  r.bcjr_state_steps = 2.0 * unit * r.bcjr_multiplier;     // the forward's run and the VJP's

  // State counts beyond the measured ones scale the time per state-step as the table does.
  const double cores = rates.threads > 0 ? double(rates.threads) : 1.0;  // CPU rates are per core-second
  const double fwd = cores * rate_at(rates.bcjr_forward, spec.L), vjp = cores * rate_at(rates.bcjr_vjp, spec.L);
  const double vit = cores * rate_at(rates.viterbi, spec.L);
  const double model_forward = cores * rates.model_forward_flops, model_train = cores * rates.model_train_flops;
  const double bcjr_forward_s = unit * r.bcjr_multiplier / fwd;
  r.seconds_bcjr = bcjr_forward_s + unit * r.bcjr_multiplier / vjp;
  const double viterbi_pass = unit * viterbi_runs / vit;  // one tail-biting Viterbi of the step's tiles
  if (soft_codeword && tailbiting && !r.bcjr_exact) r.seconds_viterbi += viterbi_pass;  // the overlap to condition on
  r.seconds_viterbi += hard_passes * viterbi_pass;
  if (trellis_method && c.flips_every > 0)
    r.seconds_viterbi += viterbi_pass / double(std::min(c.flips_every, std::max<int64_t>(1, c.steps)));

  // The model: teacher forward (not yet cached in the first phase), student forward, and the
  // backward through the layers from the first trained one up (activation and W_latent gradients).
  const int64_t first = *std::min_element(c.layers.begin(), c.layers.end());
  const double window = double(c.window);
  const double full = model::llama_flops_per_token(m, c.window);
  const double above = model::llama_layer_flops_per_token(m, c.window, first, m.num_hidden_layers) +
                       2.0 * double(m.hidden_size) * double(m.vocab_size);
  const double teacher_s = window * full / model_forward;
  r.seconds_model = teacher_s + window * (full + 2.0 * above) / model_train;

  // Perplexities: windows of ctx tokens; during training the soft codeword is computed once per
  // evaluation (and its overlap's Viterbi, on the fixed overlap).
  const double ctx = double(c.eval_ctx);
  double windows = eval_tokens > 0 ? std::floor(double(eval_tokens - 1) / ctx) : 0;
  if (c.eval_windows > 0) windows = eval_tokens > 0 ? std::min(windows, double(c.eval_windows)) : double(c.eval_windows);
  const double eval_model = windows * ctx * model::llama_flops_per_token(m, c.eval_ctx) / model_forward;
  if (c.eval_every > 0 && windows > 0) {
    // The student's weights: the soft codeword (and its overlap), a hard codeword, or scalar codes.
    const double per_eval = eval_model + bcjr_forward_s +
                            (soft_codeword ? (tailbiting && !r.bcjr_exact ? viterbi_pass : 0) : trellis_method ? viterbi_pass : 0);
    r.seconds_eval = per_eval / double(c.eval_every);
  }
  r.seconds_per_step = r.seconds_bcjr + r.seconds_viterbi + r.seconds_model + r.seconds_eval;

  // Before the first step: proxy Hessians (calibration windows through the FP model), the PTQ
  // Viterbi of every target tile, the FP and PTQ perplexities. After the last: hardening, QAT.
  const double ptq_viterbi = trellis_method ? double(r.tiles_total) * N * S * viterbi_runs / vit : 0.0;
  const double calib = double(c.calib_windows) * window * full / model_forward;
  const double evals_around = c.eval_before_after ? eval_model : 0.0;
  r.seconds_setup = ptq_viterbi + calib + 2.0 * evals_around;
  const double cached_step = r.seconds_per_step - teacher_s;
  const double phases = joint ? 1.0 : double(layers);
  const double steps = double(c.steps);
  r.seconds_total = r.seconds_setup + (steps > 0 ? r.seconds_per_step * steps + cached_step * steps * (phases - 1) : 0) +
                    (steps > 0 ? ptq_viterbi + evals_around : 0);

  // Memory: the model in fp32, the teacher's cached log-probabilities, the step's logits and saved
  // activations, W_latent with its gradient and AdamW state, the BCJR workspace.
  const double params = double(m.vocab_size) * m.hidden_size * (m.tie_word_embeddings ? 1 : 2) +
                        double(m.num_hidden_layers) * (double(model::llama_layer_linear_params(m)) + 2.0 * m.hidden_size);
  const double model_bytes = 4.0 * params;
  const double teacher = std::min(kTeacherCacheBytes, std::max(1.0, steps) * window * m.vocab_size * 4.0);
  const double logits = 4.0 * window * m.vocab_size * 4.0;
  const double hd = double(m.head_dim ? m.head_dim : m.hidden_size / std::max<int64_t>(1, m.num_attention_heads));
  const double per_layer_token = 4.0 * (12.0 * m.hidden_size + 4.0 * m.intermediate_size + 2.0 * m.num_attention_heads * window);
  const double activations = per_layer_token * window * double(m.num_hidden_layers - first);
  const double latent = 4.0 * 4.0 * double(r.tiles_per_step) * kTileSize;  // W, grad, Adam m and v
  const double soft = 3.0 * 4.0 * double(r.tiles_per_step) * kTileSize;   // tiles, codeword, rotations
  const double per_tile_ws = 4.0 * N * double(r.overlaps) * 4.0;          // the GPU's stored group messages
  const double bcjr_ws = !trellis_method ? 0.0
                         : gpu ? std::min(kGpuWorkspaceBytes, double(r.tiles_per_step) * per_tile_ws)
                               : rates.threads * (8.0 * S * 4.0 + 2.0 * N * double(r.overlaps) * 4.0);
  (void)hd;
  r.memory_bytes = rates.process_bytes + model_bytes + teacher + logits + activations + latent + soft + bcjr_ws;

  if (r.bcjr_exact && r.overlaps > 1)
    r.warnings.push_back("exact tail-biting BCJR runs " + std::to_string(r.overlaps) +
                         " conditioned sweeps per tile: it multiplies the BCJR cost by " + std::to_string(r.overlaps) +
                         " (choose the fixed overlap to avoid it)");
  if (trellis_method && viterbi_exact && r.overlaps > 1 && c.flips_every > 0)
    r.warnings.push_back("the codeword-flip count runs an exact tail-biting Viterbi (" + std::to_string(r.overlaps) +
                         " runs per tile) every " + std::to_string(c.flips_every) + " step(s)");
  if (gpu && spec.L != 16)
    r.warnings.push_back("GPU figures were measured at L = 16; at L = " + std::to_string(spec.L) +
                         " they are scaled by the state count, which small L does not keep up with");
  if (!gpu && r.seconds_per_step > 600)
    r.warnings.push_back(format("about %.0f minutes per step on the reference CPU", r.seconds_per_step / 60));
  return r;
}

}  // namespace bcjr::quant
