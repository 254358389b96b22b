#include "engine/model/cancel_point.h"

#include <torch/torch.h>

#include "engine/core/cancel.h"

namespace bcjr::model {
namespace {

struct TokenHolder : torch::CustomClassHolder {
  explicit TokenHolder(std::shared_ptr<const CancelToken> t) : token(std::move(t)) {}
  std::shared_ptr<const CancelToken> token;
};

class CancelPoint : public torch::autograd::Function<CancelPoint> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    check_cancel();
    ctx->saved_data["cancel"] = c10::IValue::make_capsule(c10::make_intrusive<TokenHolder>(current_cancel_token_shared()));
    return x.clone();  // a new tensor, not a view of the input
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    auto holder = c10::static_intrusive_pointer_cast<TokenHolder>(ctx->saved_data["cancel"].toCapsule());
    CancelScope scope(holder->token ? holder->token : current_cancel_token_shared());
    check_cancel();
    return {grad_out[0]};
  }
};

}  // namespace

torch::Tensor cancel_point(const torch::Tensor& x) { return CancelPoint::apply(x); }

}  // namespace bcjr::model
