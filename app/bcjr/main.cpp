// `bcjr`: the command line over the engine. Dispatches to the registered subcommands; every
// error becomes one line on stderr and a non-zero exit.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "bcjr/version.h"
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/runtime.h"

namespace bcjr::cli {

std::atomic<bool>& interrupted() {
  static std::atomic<bool> flag{false};
  return flag;
}

ProgressReporter* terminal_progress() {
  static TerminalProgress bar(&interrupted());
  return &bar;
}

}  // namespace bcjr::cli

namespace {

// The command's cancellation token: every long loop of the engine checks it (engine/core/cancel.h),
// a QAT session's own token included (its parent).
bcjr::CancelToken* g_cancel = nullptr;

void on_sigint(int) {
  // First Ctrl-C asks the running operation to stop at its next check; a second one kills.
  if (bcjr::cli::interrupted().exchange(true)) std::_Exit(130);
  if (g_cancel) g_cancel->cancel_from_signal();
}

void print_help() {
  std::printf(
      "bcjr %s - BCJR-QAT: trellis-coded weight quantisation made trainable\n\n"
      "usage: bcjr COMMAND [options]     (bcjr COMMAND --help for a command's options)\n\n"
      "commands:\n",
      bcjr::kVersion);
  for (auto& [name, c] : bcjr::cli::commands()) std::printf("  %-12s %s\n", name.c_str(), c.summary.c_str());
  std::printf(
      "\ncommon options:\n"
      "  --threads N   CPU threads (default: all hardware threads)\n"
      "  --version     print the version and build and exit\n"
      "  --help        this text\n\n"
      "Wherever a model or a text is asked for, 'default' names the bundled assets\n"
      "(SmolLM2-135M-Instruct Q4_1 GGUF and Moby Dick) in $BCJR_HOME.\n");
}

void print_version() {
  std::printf("bcjr %s (%s, %s, LibTorch %s, CUDA kernels %s)\n", bcjr::kVersion, bcjr::kBuildType,
              bcjr::kCompiler, bcjr::kTorchVersion, bcjr::kBuiltWithCudaKernels ? "yes" : "no");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help();
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() > 1 && bcjr::cli::commands().count(args[1])) {
      std::fputs(bcjr::cli::commands().at(args[1]).usage.c_str(), stdout);
      return 0;
    }
    print_help();
    return 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    print_version();
    return 0;
  }
  auto& registry = bcjr::cli::commands();
  auto it = registry.find(args[0]);
  if (it == registry.end()) {
    std::fprintf(stderr, "bcjr: unknown command '%s' (bcjr --help lists the commands)\n", args[0].c_str());
    return 2;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (auto& a : rest)
    if (a == "--help" || a == "-h") {
      std::fputs(it->second.usage.c_str(), stdout);
      return 0;
    }
  auto cancel = std::make_shared<bcjr::CancelToken>();
  bcjr::CancelScope cancel_scope(cancel);
  g_cancel = cancel.get();
  std::signal(SIGINT, on_sigint);
  try {
    bcjr::cli::Args parsed(args[0], rest);
    bcjr::set_thread_count(int(parsed.integer("threads", 0)));
    return it->second.run(parsed);
  } catch (const bcjr::Cancelled&) {
    std::fprintf(stderr, "\nbcjr %s: cancelled\n", args[0].c_str());
    return 130;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    // LibTorch errors carry a C++ backtrace after the first line: keep the message to one line.
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    std::fprintf(stderr, "bcjr %s: error: %s\n", args[0].c_str(), msg.c_str());
    return 1;
  }
}
