#include "engine/quant/token_data.h"

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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

std::string TokenData::describe() const {
  std::string s = std::filesystem::path(path).filename().string();
  if (part == DataPart::All) return s;
  s += ", " + range + " (" + (part == DataPart::HeldOut ? "held out: " : "calibration; held out: ") +
       describe_held_out(held_out, kind == "text") + ")";
  return s;
}

nlohmann::json TokenData::manifest_json() const {
  return {{"path", path},         {"sha256", sha256},           {"kind", kind},         {"tokens", ids.size()},
          {"part", data_part_name(part)}, {"range", range}, {"part_sha256", part_sha256}, {"held_out", held_out}};
}

TokenData load_token_data(const std::string& path_or_default, const model::LoadedModel& m, DataPart part,
                          double held_out) {
  TokenData d;
  d.path = resolve_text_path(path_or_default);
  d.sha256 = sha256_file(d.path);
  d.part = part;
  d.held_out = part == DataPart::All ? 0 : held_out;
  BCJR_CHECK(part == DataPart::All || held_out > 0, "token data ", d.path, ": the ", data_part_name(part),
             " part needs a held-out fraction > 0");
  const int64_t vocab = m.config.vocab_size;
  d.bos_id = m.config.bos_token_id;
  if (ends_with(d.path, ".npy")) {
    d.kind = "npy";
    auto t = load_npy_tensor(d.path);
    BCJR_CHECK(!t.is_floating_point() && t.dim() == 1, "token data ", d.path, ": expected a 1-D integer array, got ",
               t.scalar_type(), " ", t.sizes());
    t = t.to(torch::kLong).contiguous();
    const int64_t n = t.numel(), held = held_out_count(n, d.held_out);
    const int64_t begin = part == DataPart::HeldOut ? n - held : 0;
    const int64_t end = part == DataPart::Calibration ? n - held : n;
    d.ids.assign(t.data_ptr<int64_t>() + begin, t.data_ptr<int64_t>() + end);
    d.range = describe_id_part(n, held, part);
    d.part_sha256 = part == DataPart::All ? d.sha256 : sha256_hex(d.ids.data(), d.ids.size() * sizeof(int64_t));
  } else {
    d.kind = "text";
    const std::string text = read_file(d.path);
    const LineSplit split = split_lines(text, d.held_out);
    const std::string piece = part == DataPart::HeldOut       ? text.substr(split.held_begin)
                              : part == DataPart::Calibration ? text.substr(0, split.held_begin)
                                                              : text;
    d.range = describe_line_part(split, part);
    d.part_sha256 = part == DataPart::All ? d.sha256 : sha256_hex(piece.data(), piece.size());
    auto tok = model::tokenizer_for_model(m);
    if (tok.bos_id() >= 0) d.bos_id = tok.bos_id();
    for (int32_t id : tok.encode(piece, false)) d.ids.push_back(id);
  }
  BCJR_CHECK(!d.ids.empty(), "token data ", d.path, ": no tokens", part == DataPart::All ? "" : " in the ",
             part == DataPart::All ? "" : data_part_name(part), part == DataPart::All ? "" : " part");
  for (size_t i = 0; i < d.ids.size(); ++i)
    BCJR_CHECK(d.ids[i] >= 0 && d.ids[i] < vocab, "token data ", d.path, ": id ", d.ids[i], " at position ", i,
               " is outside the vocabulary of ", vocab);
  return d;
}

}  // namespace bcjr::quant
