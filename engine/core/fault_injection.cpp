#include "engine/core/fault_injection.h"

#include <cstdlib>
#include <sstream>
#include <string>

namespace bcjr {

bool fault_injected(const char* name, int64_t step) {
  const char* spec = std::getenv("BCJR_FAULT");
  if (!spec || !*spec) return false;
  std::stringstream ss(spec);
  std::string item;
  const std::string want = std::string(name) + "@" + std::to_string(step);
  while (std::getline(ss, item, ','))
    if (item == want) return true;
  return false;
}

}  // namespace bcjr
