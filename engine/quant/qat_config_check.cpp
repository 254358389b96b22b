#include "engine/quant/qat_config_check.h"

#include "engine/core/error.h"
#include "engine/model/model_loader.h"

namespace bcjr::quant {

void validate_for_model(const QatConfig& c) {
  c.validate();
  model::LoadOptions header_only;
  header_only.load_tensors = false;
  const model::LoadedModel m = model::load_model(c.model, nullptr, header_only);
  const int64_t n = m.config.num_hidden_layers;
  for (int64_t l : c.layers)
    BCJR_CHECK(l < n, "QAT: layer ", l, " does not exist (", c.model, " has ", n, " layers, 0..", n - 1, ")");
}

}  // namespace bcjr::quant
