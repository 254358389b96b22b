// A layer snapshot in the paper's .pt format (torch.save's zip of a pickled dict of tensors).
#include "engine/model/layer_snapshot.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("layer.pt", data, size);
  fuzz::expect_clean(path, [&] {
    auto s = model::read_layer_snapshot(path);
    for (const auto& [name, w] : s.weights) (void)w.sum().item<double>();
  });
  return 0;
}
