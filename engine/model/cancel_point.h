// A cancellation point inside autograd: the identity on a tensor whose forward and backward both
// call check_cancel() (engine/core/cancel.h), the backward under the token the forward ran with
// (LibTorch may run a backward on another thread). The Llama forward puts one between decoder
// layers when gradients are recorded, so a cancel or a pause takes effect between layers of the
// backward pass too.
#pragma once

#include <torch/types.h>

namespace bcjr::model {

torch::Tensor cancel_point(const torch::Tensor& x);

}  // namespace bcjr::model
