#include "engine/model/added_tokens.h"

#include "engine/model/unicode_bytes.h"

namespace bcjr::model {

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedToken>& tokens) : trie_(1) {
  for (const AddedToken& t : tokens) {
    if (t.content.empty()) continue;
    int32_t node = 0;
    for (char c : t.content) {
      const auto b = static_cast<unsigned char>(c);
      if (trie_[node].child[b] < 0) {
        trie_[node].child[b] = static_cast<int32_t>(trie_.size());
        trie_.emplace_back();
      }
      node = trie_[node].child[b];
    }
    if (trie_[node].token < 0) {
      trie_[node].token = static_cast<int32_t>(tokens_.size());
      tokens_.push_back(t);
    }
  }
}

std::vector<AddedTokenMatcher::Match> AddedTokenMatcher::find_all(std::string_view text) const {
  std::vector<Match> out;
  if (tokens_.empty()) return out;
  size_t prev_end = 0;
  for (size_t i = 0; i < text.size();) {
    int32_t node = 0, best = -1;
    size_t best_end = 0;
    for (size_t j = i; j < text.size(); ++j) {
      node = trie_[node].child[static_cast<unsigned char>(text[j])];
      if (node < 0) break;
      if (trie_[node].token >= 0) best = trie_[node].token, best_end = j + 1;
    }
    if (best < 0) {
      ++i;
      continue;
    }
    const AddedToken& t = tokens_[best];
    size_t begin = i, end = best_end;
    if (t.lstrip) {
      // Step back over whitespace characters, but not into the previous match.
      while (begin > prev_end) {
        size_t k = begin - 1;
        while (k > prev_end && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
        size_t len = 0;
        if (!is_unicode_whitespace(utf8_decode(text, k, &len))) break;
        begin = k;
      }
    }
    if (t.rstrip) {
      size_t len = 0;
      while (end < text.size() && is_unicode_whitespace(utf8_decode(text, end, &len))) end += len;
    }
    out.push_back({begin, end, t.id});
    prev_end = i = end;
  }
  return out;
}

}  // namespace bcjr::model
