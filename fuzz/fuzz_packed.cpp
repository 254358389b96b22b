// A packed export (safetensors of bitstreams, signs, scales and the LUT): read and decoded; every
// decoded state must lie inside the trellis, and small linears are dequantised through the code.
#include <torch/torch.h>

#include "engine/quant/export_packed.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("packed.safetensors", data, size);
  fuzz::expect_clean(path, [&] {
    quant::TrellisCode code;
    auto pm = quant::read_packed(path, &code);
    for (const auto& [key, q] : pm.linears) {
      const int64_t states = int64_t(1) << code.spec.L;
      fuzz::require(q.states.numel() == 0 || (q.states.min().item<int64_t>() >= 0 && q.states.max().item<int64_t>() < states),
                    "decoded states outside the trellis");
      if (q.rows * q.cols <= 65536) (void)quant::dequantize(q, code).sum().item<double>();
    }
  });
  return 0;
}
