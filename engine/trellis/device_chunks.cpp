#include "engine/trellis/device_chunks.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "engine/core/cancel.h"

namespace bcjr::trellis {
namespace {

// Blocks until the work that produced `t` has finished (a one-element copy to the host).
void wait_for(const at::Tensor& t) {
  if (t.defined() && t.is_cuda() && t.numel() > 0) (void)t.reshape({-1}).narrow(0, t.numel() - 1, 1).to(torch::kCPU);
}

at::Tensor cat(const std::vector<at::Tensor>& parts) {
  if (parts.empty() || !parts.front().defined()) return at::Tensor();
  return parts.size() == 1 ? parts.front() : torch::cat(parts, 0);
}

template <class Batch>
std::vector<Batch> run_chunks(int64_t tiles, int64_t chunk, const std::function<Batch(int64_t, int64_t)>& run,
                              at::Tensor Batch::*done) {
  std::vector<Batch> parts;
  chunk = std::max<int64_t>(1, chunk);
  for (int64_t b = 0; b < tiles || (tiles == 0 && parts.empty()); b += chunk) {
    check_cancel();
    parts.push_back(run(b, std::min(tiles, b + chunk)));
    wait_for(parts.back().*done);
  }
  return parts;
}

}  // namespace

int64_t device_chunk_tiles(const TrellisSpec& spec) {
  if (const char* env = std::getenv("BCJR_CUDA_CHUNK_TILES")) {
    const long long v = std::atoll(env);
    if (v > 0) return v;
  }
  const int64_t per_tile = spec.states() * spec.symbols() * spec.steps();
  return std::max<int64_t>(64, (int64_t(1) << 37) / std::max<int64_t>(1, per_tile));
}

PathBatch in_chunks(int64_t tiles, int64_t chunk, const std::function<PathBatch(int64_t, int64_t)>& run) {
  auto parts = run_chunks<PathBatch>(tiles, chunk, run, &PathBatch::energy);
  if (parts.size() == 1) return parts.front();
  std::vector<at::Tensor> states, energy;
  for (auto& p : parts) {
    states.push_back(p.states);
    energy.push_back(p.energy);
  }
  return PathBatch{cat(states), cat(energy)};
}

SoftBatch in_chunks(int64_t tiles, int64_t chunk, const std::function<SoftBatch(int64_t, int64_t)>& run) {
  auto parts = run_chunks<SoftBatch>(tiles, chunk, run, &SoftBatch::log_z);
  if (parts.size() == 1) return parts.front();
  std::vector<at::Tensor> codeword, log_z, marginals, grad;
  for (auto& p : parts) {
    codeword.push_back(p.codeword);
    log_z.push_back(p.log_z);
    marginals.push_back(p.symbol_marginals);
    grad.push_back(p.grad_w);
  }
  return SoftBatch{cat(codeword), cat(log_z), cat(marginals), cat(grad)};
}

}  // namespace bcjr::trellis
