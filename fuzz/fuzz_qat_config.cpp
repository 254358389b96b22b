// A configuration file (`bcjr train --config`): a bare QAT configuration or a run.json. Accepted
// configurations must write back to JSON that reads again to the same configuration.
#include "engine/quant/qat_config.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("config.json", data, size);
  fuzz::expect_clean(path, [&] {
    const quant::QatConfig c = quant::QatConfig::from_file(path);
    const auto j = c.to_json();
    fuzz::require(quant::QatConfig::from_json(j, "round trip").to_json() == j, "to_json / from_json round trip differs");
  });
  return 0;
}
