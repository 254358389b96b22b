// Finds added and special tokens ("<|im_start|>", "<s>", ...) verbatim in text before any
// pre-tokenization: leftmost match first, the longest one where several start at the same
// place, as tokenizers' added vocabulary does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/model/tokenizer_spec.h"

namespace bcjr::model {

class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(const std::vector<AddedToken>& tokens);
  bool empty() const { return tokens_.empty(); }

  struct Match {
    size_t begin, end;  // bytes of the text the token stands for (with stripped whitespace)
    int32_t id;
  };
  std::vector<Match> find_all(std::string_view text) const;

 private:
  struct Node {
    std::array<int32_t, 256> child;
    int32_t token = -1;  // index into tokens_ of the token ending here
    Node() { child.fill(-1); }
  };
  std::vector<Node> trie_;
  std::vector<AddedToken> tokens_;
};

}  // namespace bcjr::model
