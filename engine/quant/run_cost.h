// What a QAT run will cost before it starts: tiles, BCJR state-steps per step, whether
// tail-biting BCJR runs exactly (2^(L-kV) conditioned sweeps per tile) or on the fixed overlap,
// and seconds per step and memory on the chosen device, priced with rates that were measured
// (CPU: bench/run_cost_rates on the 2-core reference machine; GPU: the H200 figures of
// docs/PERF.md and docs/RESULTS.md). bench/run_cost_check compares an estimate with a measured step.
// By method (docs/METHODS.md): only bcjr runs the BCJR; ste and jacquant run a hard tail-biting
// Viterbi forward (jacquant also its Probe and Dither passes); bbq and rtn have no trellis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/llama_config.h"
#include "engine/quant/qat_config.h"

namespace bcjr::quant {

// Measured throughputs. A "state-step" is one state of one trellis step of one tile in one sweep
// run: a tile costs N x 2^L of them per run, and exact tail-biting makes 2^(L-kV) runs of it.
// CPU rates are per second of CPU time (the work, whatever else shares the machine); the estimate
// gives wall time with `threads` cores kept busy. GPU rates are per second of wall time.
struct CostRates {
  std::string source;         // where the figures come from (machine, program, date)
  int threads = 0;            // CPU: the cores the wall-time estimate assumes busy; 0: a GPU
  // BCJR soft codeword (forward sweep + backward sweep with the posterior), and the VJP that
  // recomputes it with the tangents, in state-steps per second, by L (index L; 0 where unmeasured).
  std::vector<double> bcjr_forward, bcjr_vjp, viterbi;
  double model_forward_flops = 0;  // Llama forward FLOP/s without gradients (teacher, perplexity), fp32
  double model_train_flops = 0;    // the student's forward and backward, FLOPs as run_cost counts them
  double process_bytes = 0;   // resident memory of the process before the model is loaded
};

const CostRates& cpu_reference_rates();
const CostRates& h200_rates();
// Throughput at L, interpolated log-linearly in L between measured entries (held beyond them).
double rate_at(const std::vector<double>& by_l, int L);

struct RunCost {
  int64_t tiles_per_step = 0;          // tiles trained in one step (the largest phase)
  int64_t tiles_total = 0;             // every target linear's tiles
  int64_t overlaps = 1;                // 2^(L-kV)
  bool bcjr_exact = false;             // tail-biting BCJR sums every overlap
  std::string bcjr_method;             // what runs (the method's quantiser, or the BCJR's mode), in words
  double bcjr_state_steps = 0;         // per training step, forward + VJP, every run counted
  double bcjr_multiplier = 1;          // the exact mode's factor on the BCJR cost (1: not exact; 0: no BCJR)
  double seconds_bcjr = 0, seconds_viterbi = 0, seconds_model = 0, seconds_eval = 0;
  double seconds_per_step = 0;         // the first phase's steps (teacher not cached yet), with eval
  double seconds_setup = 0;            // PTQ and the FP / PTQ perplexities, before the first step
  double seconds_total = 0;            // setup + every step + hardening and the QAT perplexity
  double memory_bytes = 0;             // peak resident (CPU) or device (GPU) memory
  std::string rates;                   // CostRates::source
  std::vector<std::string> warnings;
};

// eval_tokens: tokens of the perplexity stream (for the evaluations); 0 if unknown.
RunCost estimate_run_cost(const QatConfig& c, const model::LlamaConfig& m, int64_t eval_tokens);

}  // namespace bcjr::quant
