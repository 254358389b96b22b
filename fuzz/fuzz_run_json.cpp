// run.json of a run folder, read as `bcjr train --resume` reads it.
#include <filesystem>

#include "engine/quant/qat_session.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  static const std::string dir = [] {
    const std::string d = fuzz::scratch_dir() + "/run";
    std::filesystem::create_directories(d);
    return d;
  }();
  fuzz::write_input("run/run.json", data, size);
  fuzz::expect_clean(dir, [&] { (void)quant::QatSession::resume(dir); });
  return 0;
}
