#include "engine/core/assets.h"

#include <cstdlib>
#include <filesystem>

#include "engine/core/error.h"

namespace bcjr {

const DefaultAsset kDefaultModel{
    "SmolLM2-135M-Instruct.Q4_1.gguf", "models",
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    "SmolLM2-135M-Instruct (Llama architecture, 30 layers, hidden 576, GQA 9/3), GGUF Q4_1"};
const DefaultAsset kDefaultText{
    "mobydick.txt", "data", "870fe07753b139bbcbcf45a6de27e4ec620434972ec78c08267655003333f0f8",
    "Moby Dick (Herman Melville, public domain), 1.26 MB of plain text"};

std::string bcjr_home() {
  if (const char* h = std::getenv("BCJR_HOME"); h && *h) return h;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/bcjr-studio";
  return ".bcjr-studio";
}

std::string default_asset_path(const DefaultAsset& a) { return bcjr_home() + "/" + a.folder + "/" + a.name; }

static std::string resolve(const std::string& spec, const std::string& option, const DefaultAsset& a) {
  namespace fs = std::filesystem;
  BCJR_CHECK(!spec.empty(), option, ": empty path");
  if (spec == "default") {
    std::string p = default_asset_path(a);
    BCJR_CHECK(fs::exists(p), option, " default: ", p,
               " not found (run ./scripts/fetch-assets, or set BCJR_HOME to the folder that holds it)");
    return p;
  }
  BCJR_CHECK(fs::exists(spec), option, ": ", spec, " does not exist");
  return spec;
}

std::string resolve_model_path(const std::string& spec, const std::string& option) {
  return resolve(spec, option, kDefaultModel);
}
std::string resolve_text_path(const std::string& spec, const std::string& option) {
  return resolve(spec, option, kDefaultText);
}

}  // namespace bcjr
