#include "engine/trellis/soft_quantize.h"

#include <torch/torch.h>

#include "engine/core/cancel.h"
#include "engine/core/error.h"

namespace bcjr::trellis {
namespace {

// Carries the codebook through autograd's saved data without copying it.
struct CodebookHolder : torch::CustomClassHolder {
  explicit CodebookHolder(std::shared_ptr<const Codebook> c) : cb(std::move(c)) {}
  std::shared_ptr<const Codebook> cb;
};

// Carries the forward's cancellation token to the backward, which LibTorch's autograd engine may
// run on another thread (a device thread for CUDA tensors).
struct CancelTokenHolder : torch::CustomClassHolder {
  explicit CancelTokenHolder(std::shared_ptr<const CancelToken> t) : token(std::move(t)) {}
  std::shared_ptr<const CancelToken> token;
};

class SoftQuantizeFunction : public torch::autograd::Function<SoftQuantizeFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& w, TrellisSpec spec,
                               std::shared_ptr<const Codebook> cb, BcjrOptions opt) {
    opt.symbol_marginals = false;
    BcjrResult r = bcjr_forward(w.detach(), spec, *cb, opt);
    ctx->save_for_backward({w});
    ctx->saved_data["L"] = int64_t(spec.L);
    ctx->saved_data["k"] = int64_t(spec.k);
    ctx->saved_data["V"] = int64_t(spec.V);
    ctx->saved_data["n"] = int64_t(spec.n);
    ctx->saved_data["T"] = opt.T;
    ctx->saved_data["boundary"] = int64_t(opt.boundary);
    ctx->saved_data["tailbiting"] = int64_t(opt.tailbiting);
    // The backward conditions on the same overlap as the forward (fixed-overlap tail-biting).
    ctx->saved_data["has_overlap"] = r.overlap.defined();
    if (r.overlap.defined()) ctx->saved_data["overlap"] = r.overlap;
    ctx->saved_data["codebook"] = c10::IValue::make_capsule(c10::make_intrusive<CodebookHolder>(std::move(cb)));
    ctx->saved_data["cancel"] =
        c10::IValue::make_capsule(c10::make_intrusive<CancelTokenHolder>(current_cancel_token_shared()));
    return r.codeword;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto w = ctx->get_saved_variables()[0];
    TrellisSpec spec;
    spec.L = int(ctx->saved_data["L"].toInt());
    spec.k = int(ctx->saved_data["k"].toInt());
    spec.V = int(ctx->saved_data["V"].toInt());
    spec.n = int(ctx->saved_data["n"].toInt());
    BcjrOptions opt;
    opt.T = ctx->saved_data["T"].toDouble();
    opt.boundary = Boundary(ctx->saved_data["boundary"].toInt());
    opt.tailbiting = BcjrTailBiting(ctx->saved_data["tailbiting"].toInt());
    if (ctx->saved_data["has_overlap"].toBool()) opt.overlap = ctx->saved_data["overlap"].toTensor();
    auto holder = c10::static_intrusive_pointer_cast<CodebookHolder>(ctx->saved_data["codebook"].toCapsule());
    auto cancel = c10::static_intrusive_pointer_cast<CancelTokenHolder>(ctx->saved_data["cancel"].toCapsule());
    // A cancel surfaces here as bcjr::Cancelled, which the autograd engine rethrows to the caller
    // of backward() as a c10::Error: callers that cancel check their token after a failed backward.
    CancelScope scope(cancel->token ? cancel->token : current_cancel_token_shared());
    auto g = grad_out[0];
    if (!g.defined()) g = torch::zeros_like(w);
    BcjrResult r = bcjr_vjp(w.detach(), g.to(torch::kFloat32).contiguous(), spec, *holder->cb, opt);
    return {r.grad_w, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor soft_quantize(const torch::Tensor& w, const TrellisSpec& spec, std::shared_ptr<const Codebook> cb,
                            const BcjrOptions& opt) {
  BCJR_CHECK(cb != nullptr, "soft_quantize: no codebook given");
  return SoftQuantizeFunction::apply(w, spec, std::move(cb), opt);
}

torch::Tensor soft_quantize(const torch::Tensor& w, const TrellisSpec& spec, std::shared_ptr<const Codebook> cb,
                            Boundary boundary, double T) {
  BcjrOptions opt;
  opt.T = T;
  opt.boundary = boundary;
  return soft_quantize(w, spec, std::move(cb), opt);
}

}  // namespace bcjr::trellis
