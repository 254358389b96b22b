// The default assets (a small real model and a public-domain text), kept in $BCJR_HOME
// (default ~/.cache/bcjr-studio) by scripts/fetch-assets. Wherever a model or a text is asked
// for, the word "default" names them; anything else is a path. Nothing is downloaded at run time.
#pragma once

#include <string>

namespace bcjr {

struct DefaultAsset {
  const char* name;      // file name inside $BCJR_HOME/<folder>
  const char* folder;    // "models" or "data"
  const char* sha256;    // checked by scripts/fetch-assets after download
  const char* describe;  // one line for --help and the GUI
};

extern const DefaultAsset kDefaultModel;  // SmolLM2-135M-Instruct, Q4_1 GGUF (Apache-2.0)
extern const DefaultAsset kDefaultText;   // Moby Dick (public domain)

std::string bcjr_home();
std::string default_asset_path(const DefaultAsset& asset);
// "default" -> the default model's path (which must exist); anything else is returned as given
// after checking that it exists. Errors name the option and say how to get the asset.
std::string resolve_model_path(const std::string& spec, const std::string& option = "--model");
std::string resolve_text_path(const std::string& spec, const std::string& option = "--data");

}  // namespace bcjr
