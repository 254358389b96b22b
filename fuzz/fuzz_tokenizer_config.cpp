// tokenizer_config.json: the input next to a small valid tokenizer.json, read as a model folder's
// tokenizer is.
#include "engine/model/tokenizer.h"
#include "fuzz/fuzz_support.h"

namespace {
const char* kTokenizerJson = R"({
  "version": "1.0",
  "added_tokens": [{"id": 0, "content": "<s>", "special": true, "normalized": false, "lstrip": false, "rstrip": false},
                   {"id": 1, "content": "</s>", "special": true, "normalized": false, "lstrip": false, "rstrip": false}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "post_processor": null,
  "model": {"type": "BPE", "dropout": null, "unk_token": null, "byte_fallback": false,
            "vocab": {"<s>": 0, "</s>": 1, "a": 2, "b": 3, "ab": 4, "\u0120": 5, "\u0120ab": 6},
            "merges": ["a b", "\u0120 ab"]}
})";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  static const std::string tokenizer = fuzz::write_input("tokenizer.json", kTokenizerJson);
  const std::string path = fuzz::write_input("tokenizer_config.json", data, size);
  fuzz::expect_clean(path, [&] {
    auto tok = model::Tokenizer::from_tokenizer_json(tokenizer, path);
    // BOS as the files ask (add_bos_token): encode(text, true) is an error of the caller without one.
    (void)tok.encode("ab ab</s>", false);
  });
  return 0;
}
