#include "engine/quant/layer_map.h"

#include <torch/torch.h>

#include <algorithm>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/quant/tiles.h"
#include "engine/trellis/bcjr.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {

LayerMapMetric parse_layer_map_metric(const std::string& name) {
  if (name == "error") return LayerMapMetric::QuantisationError;
  if (name == "flips") return LayerMapMetric::Flips;
  if (name == "entropy") return LayerMapMetric::Entropy;
  fail("layer map: unknown metric '", name, "' (error, flips or entropy)");
}

const char* layer_map_metric_name(LayerMapMetric m) {
  switch (m) {
    case LayerMapMetric::QuantisationError: return "error";
    case LayerMapMetric::Flips: return "flips";
    case LayerMapMetric::Entropy: return "entropy";
  }
  return "?";
}

int64_t LayerMap::argmax() const {
  return values.empty() ? -1 : int64_t(std::max_element(values.begin(), values.end()) - values.begin());
}

LayerMap layer_map(const LinearState& s, const LayerMapOptions& o) {
  const QuantizedLinear& q = s.q;
  BCJR_CHECK(s.w.defined() && s.w.dim() == 2 && s.w.size(0) == q.rows && s.w.size(1) == q.cols, "layer map of layer ",
             q.layer, " ", q.name, ": the weight has shape ", s.w.defined() ? s.w.sizes() : at::IntArrayRef{},
             ", expected [", q.rows, ", ", q.cols, "]");
  BCJR_CHECK(o.metric != LayerMapMetric::QuantisationError || (s.w_fp.defined() && s.w_fp.sizes() == s.w.sizes()),
             "layer map of layer ", q.layer, " ", q.name, ": no unquantised weight to measure the error against");
  BCJR_CHECK(o.metric != LayerMapMetric::Entropy || (std::isfinite(o.T) && o.T > 0), "layer map: T = ", o.T,
             " (must be > 0)");
  BCJR_CHECK(o.chunk > 0, "layer map: chunk ", o.chunk);
  torch::NoGradGuard ng;
  const TrellisCode& code = s.code;
  const auto device = s.w.device();
  LayerMap m;
  m.tile_rows = q.rows / kTileSide;
  m.tile_cols = q.cols / kTileSide;
  m.metric = o.metric;
  m.T = o.metric == LayerMapMetric::Entropy ? o.T : 0;
  const int64_t tiles = q.tiles();
  m.values.assign(size_t(tiles), 0.0);
  const auto now = normalised_tiles(q.rht(), q.scale, s.w.detach());
  torch::Tensor fp;
  if (o.metric == LayerMapMetric::QuantisationError) fp = normalised_tiles(q.rht(), q.scale, s.w_fp.to(device)).to(torch::kCPU);
  switch (o.metric) {
    case LayerMapMetric::QuantisationError:
      m.unit = "mean squared error per weight, normalised units (RHT(W)/scale)";
      break;
    case LayerMapMetric::Flips:
      m.unit = "trellis steps flipped since PTQ (of " + std::to_string(code.spec.steps()) + ")";
      break;
    case LayerMapMetric::Entropy:
      m.unit = "posterior entropy, bits per trellis step (0 to " + std::to_string(code.spec.kv()) + ")";
      break;
  }
  ProgressStage stage(o.progress, std::string("layer map (") + layer_map_metric_name(o.metric) + ")", tiles);
  for (int64_t begin = 0; begin < tiles; begin += o.chunk) {
    if (o.cancel && o.cancel->load()) throw Cancelled();
    const int64_t end = std::min(tiles, begin + o.chunk);
    const auto chunk = now.slice(0, begin, end).contiguous();
    std::vector<double> out;
    if (o.metric == LayerMapMetric::Entropy) {
      auto opt = code.bcjr_options(o.T);
      opt.symbol_marginals = true;
      auto r = trellis::bcjr_forward(chunk, code.spec, *code.codebook, opt);
      m.method = r.method;
      auto p = r.symbol_marginals.to(torch::kCPU).to(torch::kFloat64);  // [tiles, N, 2^kV]
      auto h = -(p * torch::log2(p.clamp_min(1e-300))).sum(-1).mean(-1);
      out.assign(h.data_ptr<double>(), h.data_ptr<double>() + h.numel());
    } else {
      auto v = viterbi_tiles(chunk, code, device);
      m.method = v.method;
      if (o.metric == LayerMapMetric::Flips) {
        auto f = v.states.ne(q.states.slice(0, begin, end)).sum(1).to(torch::kFloat64);
        out.assign(f.data_ptr<double>(), f.data_ptr<double>() + f.numel());
      } else {
        auto e = (v.codeword.to(torch::kFloat64) - fp.slice(0, begin, end).to(torch::kFloat64)).pow(2).mean(1);
        out.assign(e.data_ptr<double>(), e.data_ptr<double>() + e.numel());
      }
    }
    std::copy(out.begin(), out.end(), m.values.begin() + begin);
    stage.set_done(end);
  }
  return m;
}

}  // namespace bcjr::quant
