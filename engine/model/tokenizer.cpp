#include "engine/model/tokenizer.h"

#include <algorithm>

#include "engine/core/error.h"
#include "engine/model/added_tokens.h"
#include "engine/model/bpe.h"
#include "engine/model/pretokenizer.h"
#include "engine/model/unicode_bytes.h"

namespace bcjr::model {
namespace {

const char* const kSpace = "\xE2\x96\x81";  // "▁", SentencePiece's visible space

// GGUF names a pre-tokenizer flavour (tokenizer.ggml.pre); these are the steps tokenizers
// runs for the same models (llama.cpp's regex lists for them say the same).
std::vector<PreTokenizerStep> byte_level_steps(const TokenizerSpec& spec) {
  using K = PreTokenizerStep::Kind;
  std::vector<PreTokenizerStep> steps;
  PreTokenizerStep digits;
  digits.kind = K::Digits;
  digits.individual_digits = true;
  PreTokenizerStep byte_level;
  byte_level.kind = K::ByteLevel;
  if (!spec.split_regexes.empty()) {
    if (spec.individual_digits) steps.push_back(digits);
    for (const std::string& re : spec.split_regexes) {
      PreTokenizerStep s;
      s.regex = re;
      steps.push_back(s);
    }
    byte_level.use_regex = false;
  } else if (spec.pre == "smollm" || spec.pre == "starcoder" || spec.pre == "refact") {
    steps.push_back(digits);
  } else if (spec.pre == "llama3" || spec.pre == "llama-bpe" || spec.pre == "llama-v3") {
    PreTokenizerStep s;
    s.regex = kLlama3SplitRegex;
    steps.push_back(s);
    byte_level.use_regex = false;
  } else if (spec.pre == "gpt2" || spec.pre == "default" || spec.pre.empty()) {
    if (spec.individual_digits) steps.push_back(digits);
  } else {
    fail(spec.source, ": pre-tokenizer '", spec.pre,
         "' is not supported (known: gpt2, smollm, starcoder, refact, llama3/llama-bpe; or give the split regexes)");
  }
  steps.push_back(byte_level);
  return steps;
}

}  // namespace

struct Tokenizer::Impl {
  TokenizerSpec spec;
  std::string kind;
  std::unique_ptr<Normalizers> normalizers;
  std::unique_ptr<PreTokenizer> pre;
  std::unique_ptr<BpeModel> bpe;
  std::unique_ptr<AddedTokenMatcher> raw_added, normalized_added;
  std::vector<char> is_added;  // by id: decoded as its text, verbatim
  bool byte_level = false;
  bool strip_leading_space = false;
  std::string space_symbol = kSpace;

  void encode_text(const std::string& text, size_t offset, std::vector<int32_t>& out) const;
  void encode_normalized(const std::string& text, size_t offset, std::vector<int32_t>& out) const;
};

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(const Tokenizer&) = default;
Tokenizer& Tokenizer::operator=(const Tokenizer&) = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_spec(const TokenizerSpec& in) {
  auto impl = std::make_shared<Impl>();
  TokenizerSpec& spec = impl->spec;
  spec = in;
  if (spec.source.empty()) spec.source = "tokenizer (" + (spec.kind.empty() ? std::string("no kind") : spec.kind) + ")";
  const std::string& src = spec.source;
  const auto n = static_cast<int64_t>(spec.tokens.size());
  BCJR_CHECK(n > 0, src, ": the vocabulary is empty");
  std::vector<int32_t> merge_ranks;
  if (spec.merges.empty() && spec.kind == "bpe-sentencepiece") {
    BCJR_CHECK(static_cast<int64_t>(spec.scores.size()) == n, src, ": SentencePiece vocabulary with neither merges nor ",
               n, " scores (has ", spec.scores.size(), ")");
    ScoredMerges sm = merges_from_scores(spec.tokens, spec.scores);
    // Kept in rank order (stable among equal ranks), as a tokenizer.json lists its merges.
    std::vector<size_t> order(sm.merges.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sm.ranks[a] < sm.ranks[b]; });
    for (size_t i : order) {
      spec.merges.push_back(std::move(sm.merges[i]));
      merge_ranks.push_back(sm.ranks[i]);
    }
  }
  BCJR_CHECK(!spec.merges.empty(), src, ": no BPE merges");
  BCJR_CHECK(spec.token_types.empty() || static_cast<int64_t>(spec.token_types.size()) == n, src, ": ",
             spec.token_types.size(), " token types for ", n, " tokens");
  for (int32_t id : {spec.bos_id, spec.eos_id, spec.unk_id, spec.pad_id})
    BCJR_CHECK(id >= -1 && id < n, src, ": special token id ", id, " is outside the vocabulary of ", n);
  BCJR_CHECK(!spec.add_bos || spec.bos_id >= 0, src, ": BOS is to be added but no BOS token is given");

  if (!spec.steps_given) {
    if (spec.kind == "bpe-bytelevel") {
      spec.pre_steps = byte_level_steps(spec);
    } else if (spec.kind == "bpe-sentencepiece") {
      // Llama-2's tokenizer.json spells SentencePiece's behaviour as these two normalizers
      // (each stretch of text between special tokens gets its own "▁" in front).
      if (spec.add_prefix_space) spec.normalizers.push_back({NormalizerStep::Kind::Prepend, "", false, kSpace});
      spec.normalizers.push_back({NormalizerStep::Kind::Replace, " ", false, kSpace});
      if (!spec.token_types.empty() &&
          std::count(spec.token_types.begin(), spec.token_types.end(), 6) > 0)
        spec.byte_fallback = true;
    } else {
      fail(src, ": tokenizer kind '", spec.kind, "' is not supported (bpe-bytelevel or bpe-sentencepiece)");
    }
  }
  if (!spec.steps_given) {
    std::vector<int32_t> ids = spec.special_ids;
    if (ids.empty())  // GGUF: control (3) and user-defined (4) tokens are matched in the text
      for (size_t i = 0; i < spec.token_types.size(); ++i)
        if (spec.token_types[i] == 3 || spec.token_types[i] == 4) ids.push_back(static_cast<int32_t>(i));
    for (int32_t id : ids) {
      BCJR_CHECK(id >= 0 && id < n, src, ": special token id ", id, " is outside the vocabulary of ", n);
      spec.added_tokens.push_back({id, spec.tokens[id], false, false, false});
    }
  }
  impl->is_added.assign(n, 0);
  std::vector<AddedToken> raw, normalized;
  for (const AddedToken& t : spec.added_tokens) {
    BCJR_CHECK(t.id >= 0 && t.id < n, src, ": added token '", t.content, "' has id ", t.id, " outside the vocabulary");
    impl->is_added[t.id] = 1;
    (t.normalized && !spec.normalizers.empty() ? normalized : raw).push_back(t);
  }

  impl->normalizers = std::make_unique<Normalizers>(spec.normalizers, src);
  impl->pre = std::make_unique<PreTokenizer>(spec.pre_steps, src);
  impl->raw_added = std::make_unique<AddedTokenMatcher>(raw);
  impl->normalized_added = std::make_unique<AddedTokenMatcher>(normalized);
  BpeOptions opt;
  opt.byte_fallback = spec.byte_fallback;
  opt.ignore_merges = spec.ignore_merges;
  opt.fuse_unk = spec.fuse_unk;
  opt.unk_id = spec.unk_id;
  impl->bpe = std::make_unique<BpeModel>(spec.tokens, spec.merges, opt, src, merge_ranks);

  impl->byte_level = impl->pre->byte_level();
  impl->kind = impl->byte_level ? "bpe-bytelevel" : spec.kind;
  BCJR_CHECK(spec.kind.empty() || spec.kind == impl->kind || spec.kind == "bpe", src, ": kind '", spec.kind,
             "' does not match its pre-tokenizer (", impl->kind, ")");
  for (const PreTokenizerStep& s : spec.pre_steps)
    if (s.kind == PreTokenizerStep::Kind::Metaspace) impl->space_symbol = s.replacement;
  impl->strip_leading_space = !impl->byte_level && (impl->pre->prepends_space() || spec.add_prefix_space);
  return Tokenizer(std::move(impl));
}

void Tokenizer::Impl::encode_normalized(const std::string& text, size_t offset, std::vector<int32_t>& out) const {
  for (const Piece& p : pre->run({Piece{text, offset}})) bpe->encode(p.text, out);
}

void Tokenizer::Impl::encode_text(const std::string& text, size_t offset, std::vector<int32_t>& out) const {
  const std::string norm = normalizers->empty() ? text : normalizers->apply(text);
  size_t prev = 0;
  for (const auto& m : normalized_added->find_all(norm)) {
    if (m.begin > prev) encode_normalized(norm.substr(prev, m.begin - prev), offset + prev, out);
    out.push_back(m.id);
    prev = m.end;
  }
  if (prev < norm.size()) encode_normalized(prev ? norm.substr(prev) : norm, offset + prev, out);
}

std::vector<int32_t> Tokenizer::encode(const std::string& text, bool add_bos) const {
  const Impl& im = *impl_;
  const size_t bad = find_invalid_utf8(text);
  BCJR_CHECK(bad == std::string::npos, "tokenizer: the text is not valid UTF-8 (byte ", bad, ")");
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos) {
    BCJR_CHECK(im.spec.bos_id >= 0, im.spec.source, ": BOS asked for but the tokenizer has no BOS token");
    out.push_back(im.spec.bos_id);
  }
  size_t prev = 0;
  for (const auto& m : im.raw_added->find_all(text)) {
    if (m.begin > prev) im.encode_text(text.substr(prev, m.begin - prev), prev, out);
    out.push_back(m.id);
    prev = m.end;
  }
  if (prev < text.size()) im.encode_text(prev ? text.substr(prev) : text, prev, out);
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  const Impl& im = *impl_;
  const auto n = static_cast<int64_t>(im.spec.tokens.size());
  std::string out;
  bool first_is_text = false;
  for (size_t k = 0; k < ids.size(); ++k) {
    const int32_t id = ids[k];
    BCJR_CHECK(id >= 0 && id < n, im.spec.source, ": token id ", id, " is outside the vocabulary of ", n);
    const std::string& t = im.spec.tokens[id];
    if (k == 0) first_is_text = !im.is_added[id];
    if (im.is_added[id]) {
      out += t;
    } else if (im.byte_level) {
      out += unicode_text_to_bytes(t);
    } else if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
               (im.spec.byte_fallback || (!im.spec.token_types.empty() && im.spec.token_types[id] == 6))) {
      out += static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16));
    } else {
      size_t prev = 0;
      for (size_t p = t.find(im.space_symbol); p != std::string::npos; p = t.find(im.space_symbol, prev)) {
        out.append(t, prev, p - prev);
        out += ' ';
        prev = p + im.space_symbol.size();
      }
      out.append(t, prev, std::string::npos);
    }
  }
  if (im.strip_leading_space && first_is_text && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

int32_t Tokenizer::bos_id() const { return impl_->spec.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->spec.eos_id; }
bool Tokenizer::adds_bos() const { return impl_->spec.add_bos; }
int64_t Tokenizer::vocab_size() const { return static_cast<int64_t>(impl_->spec.tokens.size()); }
std::string Tokenizer::kind() const { return impl_->kind; }

const TokenizerSpec& Tokenizer::spec() const { return impl_->spec; }

const std::string& Tokenizer::token_text(int32_t id) const {
  BCJR_CHECK(id >= 0 && id < vocab_size(), impl_->spec.source, ": token id ", id, " is outside the vocabulary of ",
             vocab_size());
  return impl_->spec.tokens[id];
}

}  // namespace bcjr::model
