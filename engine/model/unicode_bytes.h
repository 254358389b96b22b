// UTF-8 helpers and GPT-2's byte <-> printable-code-point map, on which byte-level BPE
// vocabularies are written (a token's text is its bytes, each shown as one code point).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bcjr::model {

// Length in bytes of the UTF-8 sequence starting with `lead` (1 for a stray byte, so that
// loops over invalid text still advance).
size_t utf8_length(unsigned char lead);
// Offset of the first invalid UTF-8 byte in `text`, or std::string_view::npos if it is valid
// (overlong forms, surrogates and code points past U+10FFFF are invalid, as in Rust's str).
size_t find_invalid_utf8(std::string_view text);
// Code point at `pos` of valid UTF-8; sets `len` to its byte length.
char32_t utf8_decode(std::string_view text, size_t pos, size_t* len);
void utf8_append(std::string& out, char32_t cp);
// Unicode White_Space (what Rust's char::is_whitespace and tokenizers' strip use).
bool is_unicode_whitespace(char32_t cp);

// GPT-2's map: printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100.. in
// order. byte_to_unicode()[b] is the UTF-8 text of byte b's code point.
const std::array<std::string, 256>& byte_to_unicode();
// Inverse map: the byte a code point stands for, or -1 if it is none of the 256.
int unicode_to_byte(char32_t cp);
// Text -> its byte-level spelling, and back (code points outside the map are kept as UTF-8).
std::string bytes_to_unicode_text(std::string_view bytes);
std::string unicode_text_to_bytes(std::string_view text);

}  // namespace bcjr::model
