// Subcommands of `bcjr`. Each lives in its own cmd_*.cpp and registers itself with
// BCJR_REGISTER_COMMAND; main.cpp dispatches on the first argument.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "app/bcjr/args.h"

namespace bcjr::cli {

struct Command {
  std::string name;
  std::string summary;  // one line for `bcjr --help`
  std::string usage;    // the whole `bcjr NAME --help` text
  std::function<int(Args&)> run;
};

std::map<std::string, Command>& commands();
bool register_command(Command c);

}  // namespace bcjr::cli

#define BCJR_CLI_CONCAT2(a, b) a##b
#define BCJR_CLI_CONCAT(a, b) BCJR_CLI_CONCAT2(a, b)
#define BCJR_REGISTER_COMMAND(...) \
  static const bool BCJR_CLI_CONCAT(bcjr_command_registered_, __LINE__) = ::bcjr::cli::register_command(__VA_ARGS__)
