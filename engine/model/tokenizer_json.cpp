// tokenizer.json (Hugging Face `tokenizers`) -> TokenizerSpec. The parts read:
//   model          {type: "BPE", vocab: {text: id}, merges: ["a b"] or [["a","b"]], unk_token,
//                   byte_fallback, fuse_unk, ignore_merges, dropout (null), continuing_subword_prefix
//                   and end_of_word_suffix (null or "")}
//   added_tokens   [{id, content, special, normalized, lstrip, rstrip, single_word (false)}]
//   normalizer     null | Sequence{normalizers} | Prepend{prepend} | Replace{pattern: {String|Regex}, content}
//   pre_tokenizer  null | Sequence{pretokenizers} | Split{pattern, behavior, invert} | ByteLevel{add_prefix_space,
//                   use_regex} | Digits{individual_digits} | Metaspace{replacement, prepend_scheme or
//                   add_prefix_space, split}
//   post_processor null | ByteLevel | Sequence{processors} | TemplateProcessing{single: [SpecialToken*, Sequence A]}
// tokenizer_config.json: add_bos_token, add_eos_token (must not be true), bos_token, eos_token.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/model/pcre_regex.h"
#include "engine/model/tokenizer.h"

namespace bcjr::model {
namespace {

using nlohmann::json;

json read_json(const std::string& path, const char* what, uint64_t max_bytes) {
  const std::string text = read_file(path, max_bytes, what);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(what, " ", path, ": not valid JSON: ", e.what());
  }
}

struct Reader {
  std::string src;  // "tokenizer.json PATH"

  [[noreturn]] void unsupported(const std::string& where, const json& j) const {
    fail(src, ": ", where, " of type '", j.value("type", std::string("?")), "' is not supported");
  }
  std::string type_of(const json& j, const std::string& where) const {
    BCJR_CHECK(j.is_object() && j.contains("type") && j["type"].is_string(), src, ": ", where, " has no type");
    return j["type"].get<std::string>();
  }
  // A Split/Replace pattern: {"String": literal} or {"Regex": pcre}.
  std::pair<std::string, bool> pattern(const json& p, const std::string& where) const {
    BCJR_CHECK(p.is_object(), src, ": ", where, ".pattern must be an object with String or Regex");
    if (p.contains("Regex")) return {p["Regex"].get<std::string>(), true};
    if (p.contains("String")) return {p["String"].get<std::string>(), false};
    fail(src, ": ", where, ".pattern must have String or Regex");
  }

  void normalizer(const json& j, TokenizerSpec& spec) const {
    if (j.is_null()) return;
    const std::string t = type_of(j, "normalizer");
    if (t == "Sequence") {
      for (const json& n : j.at("normalizers")) normalizer(n, spec);
    } else if (t == "Prepend") {
      spec.normalizers.push_back({NormalizerStep::Kind::Prepend, "", false, j.at("prepend").get<std::string>()});
    } else if (t == "Replace") {
      auto [pat, is_regex] = pattern(j.at("pattern"), "normalizer Replace");
      spec.normalizers.push_back({NormalizerStep::Kind::Replace, pat, is_regex, j.at("content").get<std::string>()});
    } else {
      unsupported("normalizer", j);
    }
  }

  void pre_tokenizer(const json& j, TokenizerSpec& spec) const {
    if (j.is_null()) return;
    const std::string t = type_of(j, "pre_tokenizer");
    PreTokenizerStep s;
    if (t == "Sequence") {
      for (const json& p : j.at("pretokenizers")) pre_tokenizer(p, spec);
      return;
    } else if (t == "Split") {
      auto [pat, is_regex] = pattern(j.at("pattern"), "pre_tokenizer Split");
      s.kind = PreTokenizerStep::Kind::Split;
      s.regex = is_regex ? pat : PcreRegex::escape(pat);
      s.behavior = j.value("behavior", std::string("Isolated"));
      s.invert = j.value("invert", false);
    } else if (t == "ByteLevel") {
      s.kind = PreTokenizerStep::Kind::ByteLevel;
      s.add_prefix_space = j.value("add_prefix_space", false);
      s.use_regex = j.value("use_regex", true);
    } else if (t == "Digits") {
      s.kind = PreTokenizerStep::Kind::Digits;
      s.individual_digits = j.value("individual_digits", false);
    } else if (t == "Metaspace") {
      s.kind = PreTokenizerStep::Kind::Metaspace;
      s.replacement = j.value("replacement", std::string("\xE2\x96\x81"));
      if (j.contains("prepend_scheme")) {
        s.prepend_scheme = j["prepend_scheme"].get<std::string>();
      } else {  // files written before prepend_scheme existed
        s.prepend_scheme = j.value("add_prefix_space", true) ? "always" : "never";
      }
      s.split = j.value("split", true);
    } else {
      unsupported("pre_tokenizer", j);
    }
    spec.pre_steps.push_back(s);
  }

  // Collects the ids TemplateProcessing puts before and after the text.
  void post_processor(const json& j, std::vector<int32_t>& before, std::vector<int32_t>& after) const {
    if (j.is_null()) return;
    const std::string t = type_of(j, "post_processor");
    if (t == "ByteLevel") return;  // only adjusts offsets
    if (t == "Sequence") {
      for (const json& p : j.at("processors")) post_processor(p, before, after);
      return;
    }
    if (t != "TemplateProcessing") unsupported("post_processor", j);
    bool seen_text = false;
    for (const json& item : j.at("single")) {
      if (item.contains("Sequence")) {
        seen_text = true;
        continue;
      }
      BCJR_CHECK(item.contains("SpecialToken"), src, ": post_processor template item ", item.dump(),
                 " is neither SpecialToken nor Sequence");
      const std::string name = item["SpecialToken"].at("id").get<std::string>();
      const json& st = j.at("special_tokens");
      BCJR_CHECK(st.contains(name), src, ": post_processor names special token '", printable(name), "' without defining it");
      for (const json& id : st[name].at("ids")) (seen_text ? after : before).push_back(id.get<int32_t>());
    }
  }
};

int32_t lookup(const TokenizerSpec& spec, const std::string& text) {
  for (const AddedToken& t : spec.added_tokens)
    if (t.content == text) return t.id;
  for (size_t i = 0; i < spec.tokens.size(); ++i)
    if (spec.tokens[i] == text) return static_cast<int32_t>(i);
  return -1;
}

std::string token_content(const json& j) {  // "text" or {"content": "text", ...}
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.contains("content")) return j["content"].get<std::string>();
  return "";
}

}  // namespace

TokenizerSpec tokenizer_spec_from_json(const std::string& path, const std::string& config_path) {
  Reader r{"tokenizer.json " + path};
  const json j = read_json(path, "tokenizer.json", kMaxTokenizerJsonBytes);
  TokenizerSpec spec;
  spec.source = r.src;
  spec.steps_given = true;
  try {
    BCJR_CHECK(j.is_object() && j.contains("model") && j["model"].is_object(), r.src, ": no model object");
    const json& m = j["model"];
    const std::string type = m.value("type", std::string(m.contains("merges") ? "BPE" : "?"));
    BCJR_CHECK(type == "BPE", r.src, ": model type '", printable(type), "' is not supported (only BPE)");
    BCJR_CHECK(m.contains("vocab") && m["vocab"].is_object(), r.src, ": model.vocab is missing");
    BCJR_CHECK(m.contains("merges") && m["merges"].is_array(), r.src, ": model.merges is missing");
    BCJR_CHECK(!m["merges"].empty(), r.src, ": model.merges is empty (a BPE tokenizer needs its merges)");
    BCJR_CHECK(!m.contains("dropout") || m["dropout"].is_null(), r.src, ": BPE dropout is not supported");
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"})
      BCJR_CHECK(!m.contains(k) || m[k].is_null() || m[k].get<std::string>().empty(), r.src, ": model.", k,
                 " is not supported");

    // Ids of the model's vocabulary and of the added tokens share one table. An id must be a JSON
    // integer: a float such as 7e27 has no int64 value (converting it is undefined behaviour).
    auto token_id = [&](const json& id, const std::string& whose) {
      BCJR_CHECK(id.is_number_integer(), r.src, ": ", whose, " has id ", printable(id.dump()), ", not an integer");
      return id.get<int64_t>();
    };
    int64_t max_id = -1;
    for (const auto& [text, id] : m["vocab"].items())
      max_id = std::max<int64_t>(max_id, token_id(id, "token '" + printable(text) + "'"));
    const json added = j.value("added_tokens", json::array());
    for (const json& a : added) max_id = std::max<int64_t>(max_id, token_id(a.at("id"), "an added token"));
    BCJR_CHECK(max_id >= 0 && max_id < (int64_t{1} << 31), r.src, ": vocabulary ids out of range");
    // Ids index one table: a few gaps are tolerated, not an id that would make it huge.
    const int64_t entries = int64_t(m["vocab"].size() + added.size());
    BCJR_CHECK(max_id < 2 * entries + 1024, r.src, ": token id ", max_id, " for a vocabulary of ", entries,
               " entries (ids must be nearly dense)");
    spec.tokens.assign(static_cast<size_t>(max_id + 1), "");
    for (const auto& [text, id] : m["vocab"].items()) {
      const int64_t i = token_id(id, "token '" + printable(text) + "'");
      BCJR_CHECK(i >= 0, r.src, ": token '", printable(text), "' has negative id ", i);
      BCJR_CHECK(spec.tokens[i].empty(), r.src, ": id ", i, " is given to both '", printable(spec.tokens[i]), "' and '", printable(text), "'");
      spec.tokens[i] = text;
    }
    for (const json& a : added) {
      AddedToken t;
      const int64_t added_id = token_id(a.at("id"), "an added token");  // <= max_id, so below 2^31
      t.content = a.at("content").get<std::string>();
      t.normalized = a.value("normalized", false);
      t.lstrip = a.value("lstrip", false);
      t.rstrip = a.value("rstrip", false);
      BCJR_CHECK(added_id >= 0, r.src, ": added token '", printable(t.content), "' has a negative id");
      t.id = int32_t(added_id);
      BCJR_CHECK(!a.value("single_word", false), r.src, ": added token '", t.content,
                 "' has single_word, which is not supported");
      if (spec.tokens[t.id].empty()) spec.tokens[t.id] = t.content;
      if (a.value("special", false)) spec.special_ids.push_back(t.id);
      spec.added_tokens.push_back(t);
    }

    for (const json& mg : m["merges"]) {
      if (mg.is_string()) {
        const std::string s = mg.get<std::string>();
        const size_t sp = s.find(' ');
        BCJR_CHECK(sp != std::string::npos && s.find(' ', sp + 1) == std::string::npos, r.src, ": merge '", s,
                   "' is not two tokens separated by one space");
        spec.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      } else {
        BCJR_CHECK(mg.is_array() && mg.size() == 2, r.src, ": merge ", mg.dump(), " is not a pair");
        spec.merges.emplace_back(mg[0].get<std::string>(), mg[1].get<std::string>());
      }
    }
    spec.byte_fallback = m.value("byte_fallback", false);
    spec.fuse_unk = m.value("fuse_unk", false);
    spec.ignore_merges = m.value("ignore_merges", false);
    if (m.contains("unk_token") && m["unk_token"].is_string()) {
      spec.unk_id = lookup(spec, m["unk_token"].get<std::string>());
      BCJR_CHECK(spec.unk_id >= 0, r.src, ": unk_token '", m["unk_token"].get<std::string>(), "' is not in the vocabulary");
    }

    r.normalizer(j.value("normalizer", json()), spec);
    r.pre_tokenizer(j.value("pre_tokenizer", json()), spec);
    std::vector<int32_t> before, after;
    r.post_processor(j.value("post_processor", json()), before, after);
    BCJR_CHECK(after.empty(), r.src, ": post_processor adds tokens after the text, which is not supported");
    BCJR_CHECK(before.size() <= 1, r.src, ": post_processor adds ", before.size(),
               " tokens before the text; only a single BOS is supported");
    if (!before.empty()) spec.bos_id = before[0], spec.add_bos = true;
  } catch (const json::exception& e) {
    fail(r.src, ": unexpected structure: ", e.what());
  }

  bool sentencepiece = spec.byte_fallback;
  for (const auto& s : spec.pre_steps) {
    if (s.kind == PreTokenizerStep::Kind::ByteLevel) spec.kind = "bpe-bytelevel";
    if (s.kind == PreTokenizerStep::Kind::Metaspace) sentencepiece = true;
  }
  for (const auto& n : spec.normalizers)
    if (n.content.find("\xE2\x96\x81") != std::string::npos) sentencepiece = true, spec.add_prefix_space |= n.kind == NormalizerStep::Kind::Prepend;
  if (spec.kind.empty()) spec.kind = sentencepiece ? "bpe-sentencepiece" : "bpe";

  if (!config_path.empty()) {
    const std::string csrc = "tokenizer_config.json " + config_path;
    const json c = read_json(config_path, "tokenizer_config.json", kMaxConfigJsonBytes);
    try {
      if (c.contains("bos_token") && !token_content(c["bos_token"]).empty()) {
        const std::string bos = token_content(c["bos_token"]);
        spec.bos_id = lookup(spec, bos);
        BCJR_CHECK(spec.bos_id >= 0, csrc, ": bos_token '", printable(bos), "' is not in ", path);
      }
      if (c.contains("eos_token") && !token_content(c["eos_token"]).empty())
        spec.eos_id = lookup(spec, token_content(c["eos_token"]));
      if (c.contains("add_bos_token") && c["add_bos_token"].is_boolean()) spec.add_bos = c["add_bos_token"].get<bool>();
      BCJR_CHECK(!c.value("add_eos_token", false), csrc, ": add_eos_token true is not supported");
    } catch (const json::exception& e) {
      fail(csrc, ": unexpected structure: ", e.what());
    }
    BCJR_CHECK(!spec.add_bos || spec.bos_id >= 0, csrc, ": add_bos_token is true but no BOS token is known");
  }
  return spec;
}

Tokenizer Tokenizer::from_tokenizer_json(const std::string& tokenizer_json, const std::string& tokenizer_config_json) {
  return from_spec(tokenizer_spec_from_json(tokenizer_json, tokenizer_config_json));
}

}  // namespace bcjr::model
