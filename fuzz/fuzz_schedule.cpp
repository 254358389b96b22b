// A schedule file (`--schedule FILE`, the studio's schedule editor): an accepted schedule must give
// a finite T > 0 at every step of runs of several lengths.
#include <cmath>

#include "engine/quant/schedule.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("schedule.json", data, size);
  fuzz::expect_clean(path, [&] {
    const auto s = quant::TemperatureSchedule::parse(path);
    for (int64_t n : {1, 2, 7, 100, 100000}) {
      for (int64_t i : {int64_t(0), n / 3, n / 2, n - 1}) {
        const double T = s.at(i, n);
        fuzz::require(std::isfinite(T) && T > 0, "schedule gives T = " + std::to_string(T) + " at step " +
                                                      std::to_string(i) + " of " + std::to_string(n));
      }
    }
  });
  return 0;
}
