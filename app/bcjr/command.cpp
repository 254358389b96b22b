#include "app/bcjr/command.h"

#include <cstdio>

namespace bcjr::cli {

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> registry;
  return registry;
}

bool register_command(Command c) {
  auto& r = commands();
  if (r.count(c.name)) {
    std::fprintf(stderr, "internal error: bcjr command '%s' registered twice\n", c.name.c_str());
    return false;
  }
  std::string name = c.name;
  r.emplace(name, std::move(c));
  return true;
}

}  // namespace bcjr::cli
