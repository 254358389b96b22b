// The seven linears of a Llama decoder layer in the model's order, as the views list them (the engine's
// model::llama_linear_names(), without pulling LibTorch into widget code).
#pragma once

#include <QStringList>

namespace bcjr::widgets {

inline QStringList linear_names() {
  return {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
}

}  // namespace bcjr::widgets
