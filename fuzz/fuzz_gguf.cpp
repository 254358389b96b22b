// GGUF: the file parsed, every tensor range checked against the file, small tensors dequantised,
// then the Llama reading of it (configuration, tensor names, tokenizer) as `bcjr info` does.
#include <torch/torch.h>

#include "engine/model/gguf.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("input.gguf", data, size);
  fuzz::expect_clean(path, [&] {
    model::GgufFile g(path);
    for (const auto& t : g.tensors()) {
      fuzz::require(g.data_offset() + t.offset + t.nbytes <= size, "tensor '" + t.name + "' accepted outside the file");
      if (t.numel() <= (int64_t(1) << 16)) (void)g.dequantize(t).sum().item<double>();
    }
  });
  fuzz::expect_clean(path, [&] {
    model::LoadOptions o;
    o.load_tensors = false;
    auto m = model::load_model(path, nullptr, o);
    auto tok = model::tokenizer_for_model(m);
    (void)tok.encode("Call me Ishmael. <s> 123", true);
  });
  return 0;
}
