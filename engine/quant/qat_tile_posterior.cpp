#include "engine/quant/qat_tile_posterior.h"

#include <torch/torch.h>

#include "engine/trellis/tile_posterior.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {

trellis::TilePosterior qat_tile_posterior(const QatTileSource& s, double T, QatTileQuery* query) {
  const TrellisCode& code = s.code;
  torch::NoGradGuard ng;
  auto row = normalised_tiles(s.q.rht(), s.q.scale, s.w)[s.tile].to(torch::kCPU).contiguous();
  std::vector<float> target(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
  auto post = trellis::tile_posterior(target, code.spec, *code.codebook, code.bcjr_options(T));
  if (query) {
    query->target = target;
    query->label = linear_label(s.key) + ", tile " + std::to_string(s.tile);
    auto v = trellis::viterbi(row.unsqueeze(0), code.spec, *code.codebook, code.boundary);
    auto states = v.states[0].contiguous();
    query->viterbi_symbols.resize(size_t(states.numel()));
    const int32_t mask = (1 << code.spec.kv()) - 1;
    for (int64_t t = 0; t < states.numel(); ++t)
      query->viterbi_symbols[size_t(t)] = states.data_ptr<int32_t>()[t] & mask;
  }
  return post;
}

TilePosteriorView tile_posterior_view(const trellis::TilePosterior& p, const QatTileQuery& q, double T) {
  TilePosteriorView v;
  v.label = q.label;
  v.T = T;
  v.steps = p.steps;
  v.symbols = p.symbols;
  v.V = p.V;
  v.marginals = p.symbol_marginals;
  v.mean = p.mean;
  v.variance = p.variance;
  v.target = q.target;
  v.viterbi_symbols.assign(q.viterbi_symbols.begin(), q.viterbi_symbols.end());
  v.log_z = p.log_z;
  v.method = p.method;
  return v;
}

}  // namespace bcjr::quant
