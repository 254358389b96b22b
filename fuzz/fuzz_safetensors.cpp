// safetensors: the header parsed, then every tensor read (a zero-copy view or a copy) and summed,
// so that a range outside the file is touched; accepted ranges are checked against the file size.
#include <torch/torch.h>

#include "engine/model/safetensors.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("input.safetensors", data, size);
  fuzz::expect_clean(path, [&] {
    model::SafetensorsFile f(path);
    for (const auto& t : f.tensors()) {
      fuzz::require(t.begin <= t.end && t.end <= size, "tensor '" + t.name + "' accepted outside the file");
      torch::Tensor x = f.tensor(t.name);
      fuzz::require(uint64_t(x.nbytes()) == t.end - t.begin, "tensor '" + t.name + "' has the wrong byte count");
      if (x.numel() > 0) (void)x.view({-1}).to(torch::kUInt8).sum().item<int64_t>();
    }
  });
  return 0;
}
