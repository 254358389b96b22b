// The NaN/Inf guard of a BCJR-QAT step: which W_latent (or its gradient) holds a value that is not
// finite, named for the message that stops the run.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/quant/ptq_model.h"

namespace bcjr::quant {

struct LatentLinear;

// "the gradient of W_latent of layer 4 q_proj" / "W_latent of layer 4 q_proj" for the first linear
// whose gradient (gradients = true) or weight holds a NaN or an infinity; "" if none does.
std::string first_non_finite(const std::map<LinearKey, std::unique_ptr<LatentLinear>>& latents, bool gradients);

}  // namespace bcjr::quant
