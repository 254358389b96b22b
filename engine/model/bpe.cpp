#include "engine/model/bpe.h"

#include <cstdio>
#include <limits>
#include <map>
#include <queue>

#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/model/unicode_bytes.h"

namespace bcjr::model {

BpeModel::BpeModel(const std::vector<std::string>& tokens,
                   const std::vector<std::pair<std::string, std::string>>& merges, const BpeOptions& options,
                   const std::string& source, const std::vector<int32_t>& ranks)
    : options_(options) {
  BCJR_CHECK(ranks.empty() || ranks.size() == merges.size(), source, ": ", ranks.size(), " ranks for ",
             merges.size(), " merges");
  vocab_.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i)
    if (!tokens[i].empty()) vocab_.emplace(tokens[i], static_cast<int32_t>(i));  // first id wins
  BCJR_CHECK(options.unk_id < static_cast<int64_t>(tokens.size()), source, ": unk id ", options.unk_id,
             " is outside the vocabulary of ", tokens.size());
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = token_id(name);
  }
  merges_.reserve(merges.size());
  for (size_t r = 0; r < merges.size(); ++r) {
    const auto& [a, b] = merges[r];
    const int32_t ia = token_id(a), ib = token_id(b), im = token_id(a + b);
    // Token texts are quoted escaped: a file's newline must not split the one-line error.
    BCJR_CHECK(ia >= 0 && ib >= 0, source, ": merge ", r, " ('", printable(a), "' '", printable(b),
               "') uses a token not in the vocabulary");
    BCJR_CHECK(im >= 0, source, ": merge ", r, " ('", printable(a), "' '", printable(b), "') gives '", printable(a + b),
               "', which is not in the vocabulary");
    // A repeated pair keeps its last rank, as tokenizers' map construction does.
    merges_[pair_key(ia, ib)] = {ranks.empty() ? static_cast<int32_t>(r) : ranks[r], im};
  }
}

int32_t BpeModel::token_id(const std::string& text) const {
  auto it = vocab_.find(text);
  return it == vocab_.end() ? -1 : it->second;
}

std::vector<std::pair<int32_t, uint32_t>> BpeModel::initial_symbols(std::string_view piece) const {
  std::vector<std::pair<int32_t, uint32_t>> syms;
  syms.reserve(piece.size());
  int32_t unk_len = 0;  // bytes of a pending (possibly fused) unknown run
  auto flush_unk = [&] {
    if (unk_len) syms.push_back({options_.unk_id, static_cast<uint32_t>(unk_len)});
    unk_len = 0;
  };
  std::string ch;
  for (size_t i = 0; i < piece.size();) {
    const size_t len = utf8_length(static_cast<unsigned char>(piece[i]));
    ch.assign(piece.substr(i, len));
    i += len;
    const int32_t id = token_id(ch);
    if (id >= 0) {
      flush_unk();
      syms.push_back({id, static_cast<uint32_t>(len)});
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (char c : ch) all = all && byte_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        flush_unk();
        for (char c : ch) syms.push_back({byte_ids_[static_cast<unsigned char>(c)], 1});
        continue;
      }
    }
    if (options_.unk_id < 0) continue;
    if (unk_len && !options_.fuse_unk) flush_unk();
    unk_len += static_cast<int32_t>(len);
  }
  flush_unk();
  return syms;
}

void BpeModel::merge(std::string_view piece, std::vector<int32_t>& out) const {
  struct Sym {
    int32_t id, prev, next;
    bool alive;
  };
  const auto init = initial_symbols(piece);
  const int32_t n = static_cast<int32_t>(init.size());
  std::vector<Sym> s(n);
  for (int32_t i = 0; i < n; ++i) s[i] = {init[i].first, i - 1, i + 1 < n ? i + 1 : -1, true};

  struct Cand {
    int32_t rank, pos, merged;
    bool operator<(const Cand& o) const {  // priority_queue pops the largest: lowest rank, then leftmost
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Cand> queue;
  auto consider = [&](int32_t pos) {
    if (pos < 0 || s[pos].next < 0) return;
    auto it = merges_.find(pair_key(s[pos].id, s[s[pos].next].id));
    if (it != merges_.end()) queue.push({it->second.first, pos, it->second.second});
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  while (!queue.empty()) {
    const Cand c = queue.top();
    queue.pop();
    Sym& left = s[c.pos];
    if (!left.alive || left.next < 0) continue;
    Sym& right = s[left.next];
    // A stale entry: one of the two symbols has changed since it was queued.
    auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.second != c.merged) continue;
    left.id = c.merged;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) s[left.next].prev = c.pos;
    consider(left.prev);
    consider(c.pos);
  }
  for (int32_t i = n ? 0 : -1; i >= 0; i = s[i].next) out.push_back(s[i].id);
}

void BpeModel::encode(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.empty()) return;
  if (options_.ignore_merges) {
    const int32_t id = token_id(std::string(piece));
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  const bool cacheable = piece.size() <= kMaxCachedPiece;
  std::string key;
  if (cacheable) {
    key.assign(piece);
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = out.size();
  merge(piece, out);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() < kMaxCacheEntries) cache_.emplace(std::move(key), std::vector<int32_t>(out.begin() + first, out.end()));
  }
}

std::vector<int32_t> BpeModel::encode_reference(std::string_view piece) const {
  std::vector<int32_t> ids;
  if (piece.empty()) return ids;
  if (options_.ignore_merges) {
    const int32_t id = token_id(std::string(piece));
    if (id >= 0) return {id};
  }
  for (const auto& sym : initial_symbols(piece)) ids.push_back(sym.first);
  for (;;) {
    int32_t best_rank = std::numeric_limits<int32_t>::max(), best_pos = -1, best_id = -1;
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
      auto it = merges_.find(pair_key(ids[i], ids[i + 1]));
      if (it != merges_.end() && it->second.first < best_rank) {
        best_rank = it->second.first;
        best_pos = static_cast<int32_t>(i);
        best_id = it->second.second;
      }
    }
    if (best_pos < 0) return ids;
    ids[best_pos] = best_id;
    ids.erase(ids.begin() + best_pos + 1);
  }
}

ScoredMerges merges_from_scores(const std::vector<std::string>& tokens, const std::vector<float>& scores) {
  std::unordered_map<std::string, int32_t> vocab;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (!tokens[i].empty()) vocab.emplace(tokens[i], static_cast<int32_t>(i));
  std::map<float, int32_t, std::greater<float>> rank_of_score;
  for (size_t i = 0; i < tokens.size() && i < scores.size(); ++i) rank_of_score.emplace(scores[i], 0);
  int32_t r = 0;
  for (auto& kv : rank_of_score) kv.second = r++;
  ScoredMerges out;
  for (size_t i = 0; i < tokens.size() && i < scores.size(); ++i) {
    const std::string& t = tokens[i];
    for (size_t k = utf8_length(static_cast<unsigned char>(t.empty() ? 0 : t[0])); k < t.size();
         k += utf8_length(static_cast<unsigned char>(t[k]))) {
      if (vocab.count(t.substr(0, k)) && vocab.count(t.substr(k))) {
        out.merges.emplace_back(t.substr(0, k), t.substr(k));
        out.ranks.push_back(rank_of_score.at(scores[i]));
      }
    }
  }
  return out;
}

}  // namespace bcjr::model
