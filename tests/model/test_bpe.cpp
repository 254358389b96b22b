// The BPE merge loop (priority queue) against its plain quadratic reference on random
// vocabularies and random words, and the split behaviours against tokenizers' documented example.
#include <gtest/gtest.h>

#include <random>

#include "engine/model/bpe.h"
#include "engine/model/pretokenizer.h"
#include "engine/model/unicode_bytes.h"

namespace bcjr::test {
namespace {

using model::BpeModel;
using model::BpeOptions;

// A random BPE over a few letters: each merge joins two existing tokens into a new one.
struct RandomBpe {
  std::vector<std::string> tokens;
  std::vector<std::pair<std::string, std::string>> merges;
  explicit RandomBpe(std::mt19937& rng, int n_merges) {
    for (const char* t : {"a", "b", "c", "d", "<unk>", "<0x65>", "<0xC3>", "<0xA9>"}) tokens.push_back(t);
    std::uniform_int_distribution<size_t> any(0, 3);
    while (static_cast<int>(merges.size()) < n_merges) {
      // Favour short tokens so that merges overlap and compete.
      const size_t limit = std::min<size_t>(tokens.size() - 1, 4 + merges.size());
      std::uniform_int_distribution<size_t> pick(0, limit);
      std::string l = tokens[pick(rng)], r = tokens[pick(rng)];
      if (l[0] == '<' || r[0] == '<') l = tokens[any(rng)], r = tokens[any(rng)];
      bool dup = false;
      for (const auto& m : merges) dup = dup || (m.first == l && m.second == r);
      if (dup) continue;
      merges.emplace_back(l, r);
      bool known = false;
      for (const auto& t : tokens) known = known || t == l + r;
      if (!known) tokens.push_back(l + r);
    }
  }
};

TEST(Bpe, MergeLoopEqualsReferenceOnRandomWords) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 40; ++trial) {
    RandomBpe v(rng, 10 + trial * 3);
    BpeOptions opt;
    opt.unk_id = trial % 2 ? 4 : -1;
    opt.fuse_unk = trial % 4 == 1;
    opt.byte_fallback = trial % 3 == 0;
    const BpeModel bpe(v.tokens, v.merges, opt, "random BPE");
    // 'e' and 'é' are outside the letters: unknown, or bytes with byte fallback ('é' is C3 A9).
    const std::vector<std::string> alphabet = {"a", "b", "c", "d", "a", "b", "e", "\xC3\xA9", "x"};
    std::uniform_int_distribution<size_t> letter(0, alphabet.size() - 1), length(1, 60);
    for (int w = 0; w < 200; ++w) {
      std::string word;
      for (size_t k = length(rng); k > 0; --k) word += alphabet[letter(rng)];
      std::vector<int32_t> fast;
      bpe.encode(word, fast);
      EXPECT_EQ(fast, bpe.encode_reference(word)) << "trial " << trial << " word " << word;
      std::vector<int32_t> cached;  // the second call comes from the cache
      bpe.encode(word, cached);
      EXPECT_EQ(cached, fast);
    }
  }
}

TEST(Bpe, ByteFallbackAndUnknownCharacters) {
  const std::vector<std::string> tokens = {"<unk>", "a", "b", "ab", "<0xC3>", "<0xA9>"};
  BpeOptions opt;
  opt.unk_id = 0;
  opt.byte_fallback = true;
  opt.fuse_unk = true;
  const BpeModel bpe(tokens, {{"a", "b"}}, opt, "test");
  std::vector<int32_t> ids;
  bpe.encode("ab\xC3\xA9xyab", ids);  // é -> its two bytes, "xy" -> one fused unk
  EXPECT_EQ(ids, (std::vector<int32_t>{3, 4, 5, 0, 3}));
}

TEST(PreTokenizerSplit, BehavioursMatchTokenizersDocumentation) {
  using model::SplitBehavior;
  const model::Piece p{"The-final--countdown", 0};
  const model::PcreRegex dash("-", "test");
  auto run = [&](SplitBehavior b) {
    std::vector<model::Piece> out;
    model::split_piece(p, dash.find_all(p.text), b, false, out);
    std::vector<std::string> texts;
    for (const auto& q : out) texts.push_back(q.text);
    return texts;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(run(SplitBehavior::Removed), (V{"The", "final", "countdown"}));
  EXPECT_EQ(run(SplitBehavior::Isolated), (V{"The", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(run(SplitBehavior::MergedWithPrevious), (V{"The-", "final-", "-", "countdown"}));
  EXPECT_EQ(run(SplitBehavior::MergedWithNext), (V{"The", "-final", "-", "-countdown"}));
  EXPECT_EQ(run(SplitBehavior::Contiguous), (V{"The", "-", "final", "--", "countdown"}));
}

TEST(UnicodeBytes, Gpt2MapIsABijectionOnBytes) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string mapped = model::bytes_to_unicode_text(all);
  EXPECT_EQ(model::unicode_text_to_bytes(mapped), all);
  EXPECT_EQ(model::byte_to_unicode()[' '], "\xC4\xA0");   // "Ġ"
  EXPECT_EQ(model::byte_to_unicode()['\n'], "\xC4\x8A");  // "Ċ"
  EXPECT_EQ(model::byte_to_unicode()['A'], "A");
}

}  // namespace
}  // namespace bcjr::test
