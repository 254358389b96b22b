// Byte-pair encoding of one pre-tokenized piece: start from its characters (or, with byte
// fallback, <0xNN> tokens for characters outside the vocabulary) and apply merges by rank,
// lowest first and leftmost among equals, as Hugging Face `tokenizers` does.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bcjr::model {

struct BpeOptions {
  bool byte_fallback = false;  // unknown characters become their UTF-8 bytes as <0xNN> tokens
  bool ignore_merges = false;  // a piece that is itself in the vocabulary is one token
  bool fuse_unk = false;       // a run of unknown characters gives a single unk token
  int32_t unk_id = -1;         // -1: unknown characters are dropped (tokenizers does the same)
};

class BpeModel {
 public:
  // `tokens`: id -> text (empty entries are unused ids); `merges` in rank order, or with their
  // ranks in `ranks` (equal ranks: leftmost pair first). Every merge's parts and result must be
  // tokens; errors name `source`.
  BpeModel(const std::vector<std::string>& tokens, const std::vector<std::pair<std::string, std::string>>& merges,
           const BpeOptions& options, const std::string& source, const std::vector<int32_t>& ranks = {});

  // Appends the ids of `piece` to `out`. Thread-safe; recent short pieces are cached.
  void encode(std::string_view piece, std::vector<int32_t>& out) const;
  // The plain reference: repeatedly merge the lowest-ranked adjacent pair (leftmost among
  // equals) by scanning the whole piece each time. Quadratic; for tests of encode().
  std::vector<int32_t> encode_reference(std::string_view piece) const;

  int32_t token_id(const std::string& text) const;
  size_t merge_count() const { return merges_.size(); }

 private:
  std::vector<std::pair<int32_t, uint32_t>> initial_symbols(std::string_view piece) const;  // (id, bytes)
  void merge(std::string_view piece, std::vector<int32_t>& out) const;
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  std::unordered_map<std::string, int32_t> vocab_;
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;  // (left, right) -> (rank, merged id)
  int32_t byte_ids_[256];  // <0xNN> token ids, -1 where absent
  BpeOptions options_;

  static constexpr size_t kMaxCachedPiece = 256;  // bytes
  static constexpr size_t kMaxCacheEntries = 200000;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

// SentencePiece's BPE (GGUF "llama" vocabularies carry scores, not merges) joins the adjacent
// pair whose concatenation is the highest-scoring token. As merges: every split of every token
// into two tokens, ranked by the whole token's score (equal scores share a rank).
struct ScoredMerges {
  std::vector<std::pair<std::string, std::string>> merges;
  std::vector<int32_t> ranks;
};
ScoredMerges merges_from_scores(const std::vector<std::string>& tokens, const std::vector<float>& scores);

}  // namespace bcjr::model
