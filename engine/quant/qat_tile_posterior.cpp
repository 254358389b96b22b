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
  trellis::BcjrOptions opt;
  opt.T = T;
  opt.boundary = code.boundary;
  auto post = trellis::tile_posterior(target, code.spec, *code.codebook, opt);
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

}  // namespace bcjr::quant
