#include "engine/quant/gradient_rule.h"

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/quant/jacquant_rule.h"
#include "engine/quant/qat_latent.h"
#include "engine/quant/scalar_rule.h"
#include "engine/quant/soft_quantized_weight.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::quant {
namespace {

// The paper's: the BCJR soft codeword at T and its exact VJP.
class BcjrRule : public GradientRule {
 public:
  explicit BcjrRule(const TrellisCode& code) : code_(code) {}
  QatMethod method() const override { return QatMethod::Bcjr; }
  torch::Tensor weight(const LatentLinear& l, double T) override { return soft_quantized_weight(l.w, *l.q, code_, T); }

 private:
  const TrellisCode& code_;
};

// The straight-through estimator on the trellis: hard Viterbi forward, identity backward.
class SteRule : public GradientRule {
 public:
  explicit SteRule(const TrellisCode& code) : code_(code) {}
  QatMethod method() const override { return QatMethod::Ste; }
  torch::Tensor weight(const LatentLinear& l, double) override {
    return hard_quantized_weight(l, code_, torch::Tensor());
  }

 private:
  const TrellisCode& code_;
};

}  // namespace

torch::Tensor hard_codeword(const torch::Tensor& tiles, const TrellisCode& code) {
  torch::NoGradGuard ng;
  return trellis::viterbi(tiles.detach().contiguous(), code.spec, *code.codebook, code.boundary).codeword;
}

torch::Tensor hard_quantized_weight(const LatentLinear& l, const TrellisCode& code, const torch::Tensor& slopes,
                                    const torch::Tensor& hard) {
  auto rht = l.q->rht();
  auto tiles = normalised_tiles(rht, l.q->scale, l.w);
  auto q = hard.defined() ? hard : hard_codeword(tiles, code);
  BCJR_CHECK(q.sizes() == tiles.sizes(), "hard quantised weight of ", l.q->name, ": codeword of shape ", q.sizes(),
             " for tiles ", tiles.sizes());
  // tiles - tiles.detach() is exactly zero, so the forward value is the codeword bit for bit; its
  // derivative with respect to the tiles is the identity, scaled per tile by the slope.
  auto delta = tiles - tiles.detach();
  if (slopes.defined()) delta = delta * slopes.to(tiles.device()).unsqueeze(1);
  return from_normalised_tiles(rht, l.q->scale, q.to(tiles.device()) + delta);
}

std::unique_ptr<GradientRule> make_gradient_rule(const QatConfig& config, const TrellisCode& code) {
  switch (config.method) {
    case QatMethod::Bcjr: return std::make_unique<BcjrRule>(code);
    case QatMethod::Ste: return std::make_unique<SteRule>(code);
    case QatMethod::JacQuant: return std::make_unique<JacQuantRule>(code, config.jacquant, config.seed);
    case QatMethod::Bbq:
    case QatMethod::Rtn: return std::make_unique<ScalarRule>(config.method, config.quant.k);
  }
  fail("QAT: no gradient rule for method ", qat_method_name(config.method));
}

}  // namespace bcjr::quant
