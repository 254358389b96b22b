// tokenizer.json (Hugging Face tokenizers): read into a spec, built into a Tokenizer, and used on
// a short text that has words, digits, an added token and bytes outside ASCII.
#include "engine/model/tokenizer.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("tokenizer.json", data, size);
  fuzz::expect_clean(path, [&] {
    auto tok = model::Tokenizer::from_tokenizer_json(path);
    auto ids = tok.encode("Call me Ishmael, 1851. <|endoftext|> caf\xC3\xA9 \xE2\x96\x81 \xF0\x9F\x90\x8B", true);
    (void)tok.decode(ids);
  });
  return 0;
}
