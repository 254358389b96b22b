// A compiled PCRE2 pattern for pre-tokenizer splits: UTF-8 with Unicode properties (\p{L},
// \p{N}, Unicode \s), JIT-compiled where the library supports it. Shared read-only across threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bcjr::model {

class PcreRegex {
 public:
  // `what` names the pattern's origin in error messages (file and field).
  PcreRegex(const std::string& pattern, const std::string& what);
  ~PcreRegex();
  PcreRegex(PcreRegex&&) noexcept;
  PcreRegex& operator=(PcreRegex&&) noexcept;

  struct Match {
    size_t begin, end;
  };
  // All non-overlapping non-empty matches in `subject` (valid UTF-8, matched as a string of its
  // own, so ^, $ and look-arounds stop at its ends), left to right.
  std::vector<Match> find_all(std::string_view subject) const;
  // `subject` with every match replaced by `replacement` (literal text).
  std::string replace_all(std::string_view subject, const std::string& replacement) const;

  // A pattern that matches `literal` exactly.
  static std::string escape(const std::string& literal);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bcjr::model
