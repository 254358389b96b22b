#include "tests/support/tokenizer_reference.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bcjr::test {

bool make_reference(const std::string& family, const TempDir& dir) {
  const std::string cmd = python() + " " + source_dir() + "/tests/model/tokenizer_reference.py " + family + " '" +
                          default_model_path() + "' '" + default_text_path() + "' '" + dir.path() + "'";
  const CommandResult r = run_command(cmd);
  if (r.exit_code != 0) ADD_FAILURE() << "reference script failed (" << r.exit_code << "): " << cmd << "\n" << r.out;
  return r.exit_code == 0;
}

std::vector<TokenizerCase> read_cases(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  std::vector<TokenizerCase> out;
  for (const auto& c : j.at("cases"))
    out.push_back({c.at("text").get<std::string>(), c.at("ids").get<std::vector<int32_t>>(),
                   c.at("ids_bos").get<std::vector<int32_t>>(), c.at("decoded").get<std::string>()});
  return out;
}

}  // namespace bcjr::test
