#include "engine/model/pretokenizer.h"

#include <algorithm>

#include "engine/core/error.h"
#include "engine/model/unicode_bytes.h"

namespace bcjr::model {

const char* const kGpt2SplitRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3SplitRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

std::string replace_literal(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  size_t prev = 0;
  for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, prev)) {
    out.append(text, prev, p - prev);
    out += to;
    prev = p + from.size();
  }
  out.append(text, prev, std::string::npos);
  return out;
}

}  // namespace

Normalizers::Normalizers(const std::vector<NormalizerStep>& steps, const std::string& source) {
  for (const NormalizerStep& s : steps) {
    Step st{s, {}};
    if (s.kind == NormalizerStep::Kind::Replace && s.pattern_is_regex)
      st.regex.emplace_back(s.pattern, source + ": normalizer Replace");
    steps_.push_back(std::move(st));
  }
}

std::string Normalizers::apply(std::string text) const {
  for (const Step& s : steps_) {
    if (s.spec.kind == NormalizerStep::Kind::Prepend) {
      if (!text.empty()) text = s.spec.content + text;  // tokenizers leaves empty text alone
    } else if (!s.regex.empty()) {
      text = s.regex[0].replace_all(text, s.spec.content);
    } else {
      text = replace_literal(text, s.spec.pattern, s.spec.content);
    }
  }
  return text;
}

SplitBehavior parse_split_behavior(const std::string& name, const std::string& source) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  fail(source, ": unsupported split behavior '", name,
       "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

void split_piece(const Piece& piece, const std::vector<PcreRegex::Match>& matches, SplitBehavior behavior,
                 bool invert, std::vector<Piece>& out) {
  struct Seg {
    size_t begin, end;
    bool match;
  };
  std::vector<Seg> segs;
  segs.reserve(2 * matches.size() + 1);
  size_t prev = 0;
  for (const auto& m : matches) {
    if (m.begin > prev) segs.push_back({prev, m.begin, invert});
    segs.push_back({m.begin, m.end, !invert});
    prev = m.end;
  }
  if (prev < piece.text.size()) segs.push_back({prev, piece.text.size(), invert});

  std::vector<Seg> kept;
  kept.reserve(segs.size());
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const Seg& s : segs)
        if (!s.match) kept.push_back(s);
      break;
    case SplitBehavior::Isolated:
      kept = segs;
      break;
    case SplitBehavior::MergedWithPrevious: {
      bool prev_match = false;
      for (const Seg& s : segs) {
        if (s.match && !prev_match && !kept.empty()) {
          kept.back().end = s.end;
        } else {
          kept.push_back(s);
        }
        prev_match = s.match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool prev_match = false;  // of the segment to the right
      for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
        if (it->match && !prev_match && !kept.empty()) {
          kept.back().begin = it->begin;
        } else {
          kept.push_back(*it);
        }
        prev_match = it->match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
    }
    case SplitBehavior::Contiguous: {
      bool prev_match = false;
      for (const Seg& s : segs) {
        if (s.match && prev_match) {
          kept.back().end = s.end;
        } else {
          kept.push_back(s);
        }
        prev_match = s.match;
      }
      break;
    }
  }
  for (const Seg& s : kept)
    if (s.end > s.begin) out.push_back({piece.text.substr(s.begin, s.end - s.begin), piece.offset + s.begin});
}

PreTokenizer::PreTokenizer(const std::vector<PreTokenizerStep>& steps, const std::string& source) {
  using K = PreTokenizerStep::Kind;
  for (const PreTokenizerStep& s : steps) {
    Step st{s, SplitBehavior::Isolated, {}};
    switch (s.kind) {
      case K::Split:
        st.behavior = parse_split_behavior(s.behavior, source + ": pre_tokenizer Split");
        st.regex.emplace_back(s.regex, source + ": pre_tokenizer Split");
        break;
      case K::Digits:
        // Rust's char::is_numeric is the Unicode N categories; a run of them is one Contiguous piece.
        st.behavior = s.individual_digits ? SplitBehavior::Isolated : SplitBehavior::Contiguous;
        st.regex.emplace_back("\\p{N}", source + ": pre_tokenizer Digits");
        break;
      case K::ByteLevel:
        byte_level_ = true;
        if (s.add_prefix_space) prepends_space_ = true;
        if (s.use_regex) st.regex.emplace_back(kGpt2SplitRegex, source + ": pre_tokenizer ByteLevel");
        break;
      case K::Metaspace:
        BCJR_CHECK(!s.replacement.empty() && utf8_length(static_cast<unsigned char>(s.replacement[0])) ==
                                                 s.replacement.size(),
                   source, ": Metaspace replacement must be one character, got '", s.replacement, "'");
        BCJR_CHECK(s.prepend_scheme == "always" || s.prepend_scheme == "first" || s.prepend_scheme == "never",
                   source, ": Metaspace prepend_scheme '", s.prepend_scheme, "' (expected always, first or never)");
        if (s.prepend_scheme != "never") prepends_space_ = true;
        st.behavior = SplitBehavior::MergedWithNext;
        if (s.split) st.regex.emplace_back(PcreRegex::escape(s.replacement), source + ": pre_tokenizer Metaspace");
        break;
    }
    steps_.push_back(std::move(st));
  }
}

std::vector<Piece> PreTokenizer::run(std::vector<Piece> pieces) const {
  using K = PreTokenizerStep::Kind;
  std::vector<Piece> next;
  for (const Step& s : steps_) {
    next.clear();
    next.reserve(pieces.size());
    for (Piece& p : pieces) {
      switch (s.spec.kind) {
        case K::Split:
          split_piece(p, s.regex[0].find_all(p.text), s.behavior, s.spec.invert, next);
          break;
        case K::Digits:
          split_piece(p, s.regex[0].find_all(p.text), s.behavior, false, next);
          break;
        case K::ByteLevel: {
          if (s.spec.add_prefix_space && (p.text.empty() || p.text[0] != ' ')) p.text.insert(0, " ");
          const size_t first = next.size();
          if (s.regex.empty()) {
            if (!p.text.empty()) next.push_back(std::move(p));
          } else {
            split_piece(p, s.regex[0].find_all(p.text), SplitBehavior::Isolated, false, next);
          }
          for (size_t i = first; i < next.size(); ++i) next[i].text = bytes_to_unicode_text(next[i].text);
          break;
        }
        case K::Metaspace: {
          Piece q{replace_literal(p.text, " ", s.spec.replacement), p.offset};
          const bool starts = q.text.compare(0, s.spec.replacement.size(), s.spec.replacement) == 0;
          if (!starts && (s.spec.prepend_scheme == "always" || (s.spec.prepend_scheme == "first" && p.offset == 0)))
            q.text.insert(0, s.spec.replacement);
          if (s.regex.empty()) {
            if (!q.text.empty()) next.push_back(std::move(q));
          } else {
            split_piece(q, s.regex[0].find_all(q.text), SplitBehavior::MergedWithNext, false, next);
          }
          break;
        }
      }
    }
    pieces.swap(next);
  }
  return pieces;
}

}  // namespace bcjr::model
