// One trainable linear of a BCJR-QAT phase: W_latent (fp32, requires grad, on the model's device)
// started at its PTQ reconstruction, its frozen PTQ signs, scale and paths, and what its drift
// metrics compare against (docs/ALGORITHM.md 7). Owned and stepped by the training thread.
#pragma once

#include <torch/types.h>

#include <memory>

#include "engine/quant/ptq_model.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/trellis_code.h"

namespace bcjr::quant {

struct LatentLinear {
  LinearKey key;
  const QuantizedLinear* q = nullptr;  // PTQ signs, scale and paths
  torch::Tensor w;                     // W_latent, fp32 [rows, cols], requires grad
  torch::Tensor init_rot;              // normalised tiles of the PTQ reconstruction
  torch::Tensor prev_rot;              // the previous step's, for the path length
  double path = 0;

  // W_latent = the PTQ reconstruction of `ptq` (which must outlive the result), on `device`.
  static std::unique_ptr<LatentLinear> from_ptq(const LinearKey& key, const PtqLinearResult& ptq,
                                                const torch::Device& device);
};

// Fills m's drift_rms, drift_max, drift_path and sigma_w from `rot`, the linear's weight now in its
// normalised domain, against l.init_rot, and advances l's path length to it.
void add_drift_metrics(LatentLinear& l, const torch::Tensor& rot, LinearStepMetrics& m);

// The linear's metrics after a step: drift from the PTQ start and its path length (advanced here),
// sigma_w, the Voronoi radius and the drift budget after `steps` steps at learning rate `lr`.
// Flips are left uncounted (-1); count_latent_flips fills them.
LinearStepMetrics latent_step_metrics(LatentLinear& l, const TrellisCode& code, double lr, int64_t steps);
// The trellis steps and tiles whose hard path (a Viterbi of W_latent) differs from PTQ's.
void count_latent_flips(const LatentLinear& l, const TrellisCode& code, LinearStepMetrics& m);

}  // namespace bcjr::quant
