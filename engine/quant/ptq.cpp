#include "engine/quant/ptq.h"

#include <torch/torch.h>

#include <chrono>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/quant/ldlq.h"
#include "engine/quant/tiles.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {

PtqMode parse_ptq_mode(const std::string& name) {
  if (name == "rht") return PtqMode::Rht;
  if (name == "ldlq") return PtqMode::Ldlq;
  fail("PTQ mode '", name, "': expected rht or ldlq");
}

const char* ptq_mode_name(PtqMode m) { return m == PtqMode::Rht ? "rht" : "ldlq"; }

PtqLinearResult ptq_linear(const torch::Tensor& w, const torch::Tensor& hessian, int64_t layer, const std::string& name,
                           PtqMode mode, const TrellisCode& code, uint64_t seed, double damping,
                           ProgressReporter* progress) {
  const auto t0 = std::chrono::steady_clock::now();
  BCJR_CHECK(w.dim() == 2, "PTQ of layer ", layer, " ", name, ": weight has shape ", w.sizes());
  const int64_t m = w.size(0), n = w.size(1);
  BCJR_CHECK(m % kTileSide == 0 && n % kTileSide == 0, "PTQ of layer ", layer, " ", name, ": shape [", m, ", ", n,
             "] is not a multiple of the ", kTileSide, "x", kTileSide, " tile");
  BCJR_CHECK(mode == PtqMode::Rht || hessian.defined(), "PTQ ldlq of layer ", layer, " ", name,
             ": needs a proxy Hessian (calibration data)");
  // The linear algebra (RHT, BlockLDLQ in float64) runs on the CPU; the Viterbi searches run where
  // the weight lives, so a model on the GPU gets the CUDA kernels.
  const torch::Device trellis_device = w.device();
  auto w32 = w.detach().to(torch::kCPU, torch::kFloat32);
  PtqLinearResult r;
  QuantizedLinear& q = r.q;
  q.layer = layer;
  q.name = name;
  q.rows = m;
  q.cols = n;
  auto rht = LinearRht::seeded(m, n, seed, layer, name);
  q.signs_out = rht.signs_out();
  q.signs_in = rht.signs_in();
  auto w_rot = rht.forward(w32);
  q.scale = rms_scale(w_rot, code.target_rms);
  auto w_norm = w_rot / q.scale;
  torch::Tensor h_rot;
  if (hessian.defined()) h_rot = damp_hessian(rht.rotate_hessian(hessian.to(torch::kFloat64)), damping);

  if (mode == PtqMode::Rht) {
    ProgressStage stage(progress, "PTQ layer " + std::to_string(layer) + " " + name, 1);
    auto v = viterbi_tiles(to_tiles(w_norm), code, trellis_device);
    q.states = v.states;
    q.method = v.method;
    stage.advance();
  } else {
    // Column block i of W~ holds tiles r * (n/16) + i; its target [m, 16] becomes m/16 tiles.
    const int64_t tiles_per_row = n / kTileSide, tile_rows = m / kTileSide;
    q.states = torch::empty({tile_rows * tiles_per_row, code.spec.steps()}, torch::kInt32);
    auto quantize = [&](const torch::Tensor& target, int64_t block) {
      auto tiles = target.to(torch::kFloat32).reshape({tile_rows, kTileSide, kTileSide}).reshape({tile_rows, kTileSize});
      auto v = viterbi_tiles(tiles, code, trellis_device);
      q.method = v.method;
      auto idx = torch::arange(tile_rows, torch::kLong) * tiles_per_row + block;
      q.states.index_copy_(0, idx, v.states);
      return v.codeword.reshape({tile_rows, kTileSide, kTileSide}).reshape({m, kTileSide}).to(torch::kFloat64);
    };
    ProgressReporter* p = progress;
    block_ldlq(w_norm.to(torch::kFloat64), h_rot, quantize, kTileSide, p);
  }
  r.reconstruction = dequantize(q, code);
  r.mse = (r.reconstruction - w32).pow(2).mean().item<double>();
  auto cw = trellis::codeword_from_states(q.states, code.spec, *code.codebook);
  r.normalised_mse = (cw - to_tiles(w_norm)).pow(2).mean().item<double>();
  if (hessian.defined()) r.proxy_error = proxy_error(w32, r.reconstruction, hessian);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace bcjr::quant
