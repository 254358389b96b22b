// The results of a BCJR-QAT run as files: results.json (the perplexity protocol and figures, PTQ
// and QAT errors per linear, flips, steps done), rewritten atomically whenever a figure is added,
// and the snapshots written at the end (the hardened linears, and per layer the QAT and PTQ weights
// as .pt files). All of it runs on the training thread.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/model/llama.h"
#include "engine/quant/ptq_model.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_data.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/run_folder.h"

namespace bcjr::quant {

class ScalarRule;

struct PerplexityFigure {
  std::string label;  // "FP", "PTQ", "QAT"
  double ppl = -1, mean_nll = 0;
  int64_t windows = 0, tokens = 0, ctx = 0;
  std::string dtype;  // of the model while it was measured ("fp32"): part of the protocol
};

// What results.json and the snapshots are made of, borrowed from the trainer.
struct QatResultsSource {
  const QatConfig& config;
  const QatData& data;
  model::LlamaModel teacher;  // the unmodified weights, for the QAT error
  const std::vector<PerplexityFigure>& perplexities;
  const std::map<LinearKey, PtqLinearResult>& ptq;
  const std::map<LinearKey, QuantizedLinear>& hardened;
  const std::map<LinearKey, torch::Tensor>& hardened_weights;  // dequantised `hardened`
  int64_t steps_done = 0;
  const ScalarRule* scalar = nullptr;  // a scalar baseline's run: its codes stand in for the paths
};

void write_qat_results(const RunFolder& run, const QatResultsSource& s);
// snapshots/quantized.ckpt, layer_<l>.pt (hardened) and ptq_layer_<l>.pt (PTQ reconstruction).
void write_qat_snapshots(const RunFolder& run, const QatResultsSource& s);

// On resume: the perplexities results.json already holds (none if it does not exist).
std::vector<PerplexityFigure> read_qat_perplexities(const RunFolder& run);
// On resume with a saved PTQ: its figures (mse, proxy error, seconds) from results.json, if there.
void read_ptq_figures(const RunFolder& run, std::map<LinearKey, PtqLinearResult>& ptq);

}  // namespace bcjr::quant
