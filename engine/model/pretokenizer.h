// The text pipeline between the raw text and BPE, as Hugging Face `tokenizers` runs it:
// normalizers rewrite a stretch of text, pre-tokenizer steps cut it into pieces (regex splits
// with a delimiter behaviour, digits, byte-level mapping, SentencePiece's "▁"), and BPE then
// encodes each piece on its own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/model/pcre_regex.h"
#include "engine/model/tokenizer_spec.h"

namespace bcjr::model {

// One piece of text on its way to BPE. `offset` is where it starts in the caller's text;
// Metaspace's "first" scheme only asks whether it is 0.
struct Piece {
  std::string text;
  size_t offset = 0;
};

// GPT-2's split regex (what tokenizers' ByteLevel uses when use_regex is true).
extern const char* const kGpt2SplitRegex;
// Llama-3's split regex.
extern const char* const kLlama3SplitRegex;

class Normalizers {
 public:
  Normalizers(const std::vector<NormalizerStep>& steps, const std::string& source);
  bool empty() const { return steps_.empty(); }
  std::string apply(std::string text) const;

 private:
  struct Step {
    NormalizerStep spec;
    std::vector<PcreRegex> regex;  // one entry for a regex Replace
  };
  std::vector<Step> steps_;
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
SplitBehavior parse_split_behavior(const std::string& name, const std::string& source);

// Cuts `piece` at `matches` (sorted, non-overlapping); `invert` swaps the roles of matches and
// the text between them. Empty pieces are dropped.
void split_piece(const Piece& piece, const std::vector<PcreRegex::Match>& matches, SplitBehavior behavior,
                 bool invert, std::vector<Piece>& out);

class PreTokenizer {
 public:
  PreTokenizer(const std::vector<PreTokenizerStep>& steps, const std::string& source);
  // Runs every step over every piece, in order; the pieces' text is then what BPE sees.
  std::vector<Piece> run(std::vector<Piece> pieces) const;
  bool byte_level() const { return byte_level_; }
  // Whether text gets a "▁" (or space) in front that decoding should take off again.
  bool prepends_space() const { return prepends_space_; }

 private:
  struct Step {
    PreTokenizerStep spec;
    SplitBehavior behavior = SplitBehavior::Isolated;
    std::vector<PcreRegex> regex;  // Split, Digits, ByteLevel with use_regex, Metaspace with split
  };
  std::vector<Step> steps_;
  bool byte_level_ = false;
  bool prepends_space_ = false;
};

}  // namespace bcjr::model
