// `bcjr assets`: where the default model and text live, and whether they are present and intact.
#include <cstdio>
#include <filesystem>

#include "app/bcjr/command.h"
#include "engine/core/assets.h"
#include "engine/core/hash.h"

namespace bcjr::cli {
namespace {

int run_assets(Args& args) {
  const bool verify = args.flag("verify");
  args.finish();
  std::printf("BCJR_HOME %s\n", bcjr_home().c_str());
  int missing = 0;
  for (const DefaultAsset* a : {&kDefaultModel, &kDefaultText}) {
    std::string p = default_asset_path(*a);
    const char* state = "missing";
    if (std::filesystem::exists(p)) {
      state = "present";
      if (verify) state = sha256_file(p) == a->sha256 ? "present, sha256 ok" : "present, SHA-256 MISMATCH";
    }
    if (std::string(state).find("ok") == std::string::npos && (verify || std::string(state) == "missing")) ++missing;
    std::printf("%-40s %s\n  %s\n", a->name, state, a->describe);
  }
  if (missing) std::fprintf(stderr, "bcjr assets: %d asset(s) missing or damaged: run ./scripts/fetch-assets\n", missing);
  return missing ? 1 : 0;
}

BCJR_REGISTER_COMMAND(Command{
    "assets", "show (and with --verify check) the default model and text in $BCJR_HOME",
    "usage: bcjr assets [--verify]\n\n"
    "Prints where the default assets live ($BCJR_HOME, default ~/.cache/bcjr-studio) and whether\n"
    "they are present. --verify also checks their SHA-256. Exit status 1 if any is missing.\n",
    run_assets});

}  // namespace
}  // namespace bcjr::cli
