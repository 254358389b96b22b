// `bcjr tokenize`: the token ids of a text under a model's tokenizer (or a tokenizer.json), one
// line of space-separated ids, so results can be compared with other tools' ids.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "app/bcjr/command.h"
#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/model/model_tokenizer.h"

namespace bcjr::cli {
namespace {

int run_tokenize(Args& args) {
  const auto model_path = args.get("model");
  const auto tokenizer_path = args.get("tokenizer");
  const auto config_path = args.get("tokenizer-config");
  const auto text = args.get("text");
  const auto file = args.get("file");
  const bool no_bos = args.flag("no-bos");
  args.finish();
  BCJR_CHECK(model_path.has_value() != tokenizer_path.has_value(),
             "bcjr tokenize: give exactly one of --model and --tokenizer");
  BCJR_CHECK(!config_path || tokenizer_path, "bcjr tokenize: --tokenizer-config goes with --tokenizer");
  BCJR_CHECK(text.has_value() != file.has_value(), "bcjr tokenize: give exactly one of --text and --file");

  const model::Tokenizer tok = model_path ? model::load_tokenizer(*model_path)
                                          : model::Tokenizer::from_tokenizer_json(*tokenizer_path,
                                                                                  config_path.value_or(""));
  std::string input;
  if (text) {
    input = *text;
  } else {
    const std::string path = resolve_text_path(*file, "--file");
    std::ifstream f(path, std::ios::binary);
    BCJR_CHECK(f, "--file ", path, ": cannot open");
    std::stringstream ss;
    ss << f.rdbuf();
    input = ss.str();
  }
  const auto ids = tok.encode(input, tok.adds_bos() && !no_bos);
  std::string line;
  line.reserve(ids.size() * 6);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) line += ' ';
    line += std::to_string(ids[i]);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "tokenize", "print the token ids of a text under a model's tokenizer",
    "usage: bcjr tokenize (--model M | --tokenizer tokenizer.json [--tokenizer-config tokenizer_config.json])\n"
    "                     (--text \"...\" | --file F) [--no-bos]\n\n"
    "Prints the ids, separated by spaces, on one line. M is a GGUF file, a Hugging Face folder\n"
    "with tokenizer.json, or `default`; F may be `default` (the default text). BOS is put first\n"
    "when the model's files say so (tokenizer.ggml.add_bos_token, the post-processor or\n"
    "tokenizer_config.json's add_bos_token); --no-bos leaves it out.\n",
    run_tokenize});

}  // namespace
}  // namespace bcjr::cli
