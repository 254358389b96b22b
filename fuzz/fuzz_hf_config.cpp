// A Hugging Face config.json: parse_hf_config on arbitrary bytes.
#include "engine/model/llama_config.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("config.json", data, size);
  fuzz::expect_clean(path, [&] { (void)model::parse_hf_config(path); });
  return 0;
}
