// State shared by all subcommands of one `bcjr` process: the SIGINT flag and the terminal
// progress bar that watches it.
#pragma once

#include <atomic>

#include "engine/core/progress.h"

namespace bcjr::cli {

std::atomic<bool>& interrupted();
ProgressReporter* terminal_progress();

}  // namespace bcjr::cli
