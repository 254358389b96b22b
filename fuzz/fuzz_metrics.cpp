// metrics.jsonl of a run, read as the studio reads a run's steps.
#include "engine/quant/qat_metrics.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("metrics.jsonl", data, size);
  fuzz::expect_clean(path, [&] { (void)quant::read_metrics_file(path); });
  return 0;
}
