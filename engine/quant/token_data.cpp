#include "engine/quant/token_data.h"

#include <torch/torch.h>

#include "engine/core/assets.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/npy_tensor.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"

namespace bcjr::quant {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TokenData load_token_data(const std::string& path_or_default, const model::LoadedModel& m) {
  TokenData d;
  d.path = resolve_text_path(path_or_default);
  d.sha256 = sha256_file(d.path);
  const int64_t vocab = m.config.vocab_size;
  d.bos_id = m.config.bos_token_id;
  if (ends_with(d.path, ".npy")) {
    d.kind = "npy";
    auto t = load_npy_tensor(d.path);
    BCJR_CHECK(!t.is_floating_point() && t.dim() == 1, "token data ", d.path, ": expected a 1-D integer array, got ",
               t.scalar_type(), " ", t.sizes());
    t = t.to(torch::kLong).contiguous();
    d.ids.assign(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  } else {
    d.kind = "text";
    auto tok = model::tokenizer_for_model(m);
    if (tok.bos_id() >= 0) d.bos_id = tok.bos_id();
    for (int32_t id : tok.encode(read_file(d.path), false)) d.ids.push_back(id);
  }
  BCJR_CHECK(!d.ids.empty(), "token data ", d.path, ": no tokens");
  for (size_t i = 0; i < d.ids.size(); ++i)
    BCJR_CHECK(d.ids[i] >= 0 && d.ids[i] < vocab, "token data ", d.path, ": id ", d.ids[i], " at position ", i,
               " is outside the vocabulary of ", vocab);
  return d;
}

}  // namespace bcjr::quant
