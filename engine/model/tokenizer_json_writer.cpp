#include "engine/model/tokenizer_json_writer.h"

#include <unordered_map>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace bcjr::model {
namespace {

using nlohmann::json;

json pattern_json(const std::string& pattern, bool regex) { return {{regex ? "Regex" : "String", pattern}}; }

json normalizer_json(const std::vector<NormalizerStep>& steps) {
  if (steps.empty()) return nullptr;
  json list = json::array();
  for (const NormalizerStep& n : steps) {
    if (n.kind == NormalizerStep::Kind::Prepend) list.push_back({{"type", "Prepend"}, {"prepend", n.content}});
    else
      list.push_back({{"type", "Replace"}, {"pattern", pattern_json(n.pattern, n.pattern_is_regex)}, {"content", n.content}});
  }
  return {{"type", "Sequence"}, {"normalizers", list}};
}

json pre_tokenizer_json(const std::vector<PreTokenizerStep>& steps) {
  if (steps.empty()) return nullptr;
  json list = json::array();
  for (const PreTokenizerStep& s : steps) {
    switch (s.kind) {
      case PreTokenizerStep::Kind::Split:
        list.push_back({{"type", "Split"}, {"pattern", pattern_json(s.regex, true)}, {"behavior", s.behavior},
                        {"invert", s.invert}});
        break;
      case PreTokenizerStep::Kind::ByteLevel:
        list.push_back({{"type", "ByteLevel"}, {"add_prefix_space", s.add_prefix_space}, {"trim_offsets", true},
                        {"use_regex", s.use_regex}});
        break;
      case PreTokenizerStep::Kind::Digits:
        list.push_back({{"type", "Digits"}, {"individual_digits", s.individual_digits}});
        break;
      case PreTokenizerStep::Kind::Metaspace:
        list.push_back({{"type", "Metaspace"}, {"replacement", s.replacement}, {"prepend_scheme", s.prepend_scheme},
                        {"split", s.split}});
        break;
    }
  }
  return {{"type", "Sequence"}, {"pretokenizers", list}};
}

bool is_byte_level(const TokenizerSpec& spec) {
  for (const auto& s : spec.pre_steps)
    if (s.kind == PreTokenizerStep::Kind::ByteLevel) return true;
  return false;
}

json post_processor_json(const TokenizerSpec& spec) {
  json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}};
  if (!spec.add_bos) return is_byte_level(spec) ? byte_level : json(nullptr);
  const std::string bos = spec.tokens.at(size_t(spec.bos_id));
  json seq_a = {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, seq_b = {{"Sequence", {{"id", "B"}, {"type_id", 1}}}};
  json special = {{"SpecialToken", {{"id", bos}, {"type_id", 0}}}};
  json special_b = {{"SpecialToken", {{"id", bos}, {"type_id", 1}}}};
  json tmpl = {{"type", "TemplateProcessing"},
               {"single", {special, seq_a}},
               {"pair", {special, seq_a, special_b, seq_b}},
               {"special_tokens", {{bos, {{"id", bos}, {"ids", {spec.bos_id}}, {"tokens", {bos}}}}}}};
  if (!is_byte_level(spec)) return tmpl;
  return {{"type", "Sequence"}, {"processors", {byte_level, tmpl}}};
}

json decoder_json(const TokenizerSpec& spec) {
  if (is_byte_level(spec))
    return {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
  std::string space = "\xE2\x96\x81";
  bool prepends = spec.add_prefix_space;
  for (const auto& s : spec.pre_steps)
    if (s.kind == PreTokenizerStep::Kind::Metaspace) space = s.replacement, prepends = s.prepend_scheme != "never";
  for (const auto& n : spec.normalizers)
    if (n.kind == NormalizerStep::Kind::Prepend) prepends = true;
  json list = {{{"type", "Replace"}, {"pattern", {{"String", space}}}, {"content", " "}}};
  if (spec.byte_fallback) list.push_back({{"type", "ByteFallback"}});
  list.push_back({{"type", "Fuse"}});
  if (prepends) list.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  return {{"type", "Sequence"}, {"decoders", list}};
}

json token_or_null(const TokenizerSpec& spec, int32_t id) {
  if (id < 0 || size_t(id) >= spec.tokens.size()) return nullptr;
  return spec.tokens[size_t(id)];
}

}  // namespace

json tokenizer_json(const Tokenizer& tokenizer) {
  const TokenizerSpec& spec = tokenizer.spec();
  std::vector<char> special(spec.tokens.size(), 0);
  for (int32_t id : spec.special_ids) special.at(size_t(id)) = 1;
  if (spec.special_ids.empty())  // GGUF: control and user-defined tokens, as the Tokenizer matches them
    for (size_t i = 0; i < spec.token_types.size(); ++i) special[i] = spec.token_types[i] == 3;
  json added = json::array();
  for (const AddedToken& t : spec.added_tokens)
    added.push_back({{"id", t.id}, {"content", t.content}, {"single_word", false}, {"lstrip", t.lstrip},
                     {"rstrip", t.rstrip}, {"normalized", t.normalized}, {"special", bool(special.at(size_t(t.id)))}});

  json vocab = json::object();
  std::unordered_map<std::string, int32_t> seen;
  for (size_t i = 0; i < spec.tokens.size(); ++i) {
    const std::string& t = spec.tokens[i];
    if (t.empty()) continue;  // an unused id
    auto [it, fresh] = seen.emplace(t, int32_t(i));
    BCJR_CHECK(fresh, spec.source, ": token text '", t, "' has ids ", it->second, " and ", i,
               "; a tokenizer.json vocabulary maps each text to one id");
    vocab[t] = int32_t(i);
  }
  json merges = json::array();
  for (const auto& m : spec.merges) merges.push_back({m.first, m.second});

  json model = {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", token_or_null(spec, spec.unk_id)},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr},
                {"fuse_unk", spec.fuse_unk},
                {"byte_fallback", spec.byte_fallback},
                {"ignore_merges", spec.ignore_merges},
                {"vocab", vocab},
                {"merges", merges}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer", normalizer_json(spec.normalizers)},
          {"pre_tokenizer", pre_tokenizer_json(spec.pre_steps)},
          {"post_processor", post_processor_json(spec)},
          {"decoder", decoder_json(spec)},
          {"model", model}};
}

json tokenizer_config_json(const Tokenizer& tokenizer, int64_t model_max_length) {
  const TokenizerSpec& spec = tokenizer.spec();
  json decoder = json::object();
  const json tj = tokenizer_json(tokenizer);
  for (const json& a : tj.at("added_tokens"))
    decoder[std::to_string(a.at("id").get<int32_t>())] = {
        {"content", a.at("content")}, {"lstrip", a.at("lstrip")}, {"normalized", a.at("normalized")},
        {"rstrip", a.at("rstrip")},   {"single_word", false},     {"special", a.at("special")}};
  return {{"add_bos_token", spec.add_bos},
          {"add_eos_token", false},
          {"added_tokens_decoder", decoder},
          {"bos_token", token_or_null(spec, spec.bos_id)},
          {"eos_token", token_or_null(spec, spec.eos_id)},
          {"unk_token", token_or_null(spec, spec.unk_id)},
          {"pad_token", token_or_null(spec, spec.pad_id)},
          {"clean_up_tokenization_spaces", false},
          {"model_max_length", model_max_length},
          {"tokenizer_class", "PreTrainedTokenizerFast"}};
}

json special_tokens_map_json(const Tokenizer& tokenizer) {
  const TokenizerSpec& spec = tokenizer.spec();
  json j = json::object();
  const std::pair<const char*, int32_t> named[] = {
      {"bos_token", spec.bos_id}, {"eos_token", spec.eos_id}, {"unk_token", spec.unk_id}, {"pad_token", spec.pad_id}};
  for (const auto& [key, id] : named)
    if (id >= 0) j[key] = spec.tokens.at(size_t(id));
  return j;
}

void write_tokenizer_files(const std::string& dir, const Tokenizer& tokenizer, int64_t model_max_length) {
  std::string files[3];
  try {
    files[0] = tokenizer_json(tokenizer).dump(2, ' ', false) + "\n";
    files[1] = tokenizer_config_json(tokenizer, model_max_length).dump(2, ' ', false) + "\n";
    files[2] = special_tokens_map_json(tokenizer).dump(2, ' ', false) + "\n";
  } catch (const json::exception& e) {  // e.g. a token that is not valid UTF-8
    fail(tokenizer.spec().source, ": cannot be written as tokenizer.json: ", e.what());
  }
  write_file_atomic(dir + "/tokenizer.json", files[0]);
  write_file_atomic(dir + "/tokenizer_config.json", files[1]);
  write_file_atomic(dir + "/special_tokens_map.json", files[2]);
}

}  // namespace bcjr::model
