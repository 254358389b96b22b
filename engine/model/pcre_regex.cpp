#include "engine/model/pcre_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/core/error.h"
#include "engine/model/unicode_bytes.h"

namespace bcjr::model {

struct PcreRegex::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  std::string what;
  ~Impl() {
    if (code) pcre2_code_free(code);
  }
};

PcreRegex::PcreRegex(const std::string& pattern, const std::string& what) : impl_(std::make_unique<Impl>()) {
  impl_->what = what;
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                              &err, &err_offset, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    fail(what, ": regex /", pattern, "/ does not compile at offset ", err_offset, ": ",
         reinterpret_cast<const char*>(msg));
  }
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

PcreRegex::~PcreRegex() = default;
PcreRegex::PcreRegex(PcreRegex&&) noexcept = default;
PcreRegex& PcreRegex::operator=(PcreRegex&&) noexcept = default;

namespace {

// Match data and a JIT stack large enough for long whitespace runs, per thread (PCRE2's are
// not shareable between concurrent matches).
struct MatchScratch {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* stack = nullptr;
  MatchScratch() {
    data = pcre2_match_data_create(8, nullptr);
    context = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (stack) pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~MatchScratch() {
    if (stack) pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

MatchScratch& scratch() {
  thread_local MatchScratch s;
  return s;
}

}  // namespace

std::vector<PcreRegex::Match> PcreRegex::find_all(std::string_view subject) const {
  std::vector<Match> out;
  MatchScratch& s = scratch();
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  size_t pos = 0;
  while (pos <= subject.size()) {
    // The text was checked for valid UTF-8 once on entry to the tokenizer.
    const int rc = pcre2_match(impl_->code, text, subject.size(), pos, PCRE2_NO_UTF_CHECK, s.data, s.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      fail(impl_->what, ": regex match failed: ", reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
    const size_t b = ov[0], e = ov[1];
    if (e > b) {
      out.push_back({b, e});
      pos = e;
    } else {
      // An empty match produces no piece; step over one character and search on.
      if (b >= subject.size()) break;
      pos = b + utf8_length(static_cast<unsigned char>(subject[b]));
    }
  }
  return out;
}

std::string PcreRegex::replace_all(std::string_view subject, const std::string& replacement) const {
  std::string out;
  size_t prev = 0;
  for (const Match& m : find_all(subject)) {
    out.append(subject.substr(prev, m.begin - prev));
    out += replacement;
    prev = m.end;
  }
  out.append(subject.substr(prev));
  return out;
}

std::string PcreRegex::escape(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}-/#").find(c) != std::string_view::npos || c == ' ') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace bcjr::model
