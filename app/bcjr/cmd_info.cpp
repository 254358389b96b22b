// `bcjr info MODEL`: what a model file or folder holds (architecture, sizes, stored types,
// parameter count, tokenizer), read from its headers without loading the weights.
#include <cstdio>
#include <map>

#include "app/bcjr/command.h"
#include "engine/model/model_loader.h"

namespace bcjr::cli {
namespace {

int run_info(Args& args) {
  std::string spec = args.positional().empty() ? args.get("model", "default") : args.positional_at(0, "MODEL");
  args.finish();
  model::LoadOptions opt;
  opt.load_tensors = false;
  const model::LoadedModel m = model::load_model(spec, nullptr, opt);
  const model::LlamaConfig& c = m.config;

  std::printf("model          %s\n", m.path.c_str());
  std::printf("format         %s\n", m.format == "gguf" ? "GGUF" : "Hugging Face folder (safetensors)");
  std::printf("architecture   %s\n", c.architecture.c_str());
  std::printf("layers         %lld\n", static_cast<long long>(c.num_hidden_layers));
  std::printf("hidden size    %lld\n", static_cast<long long>(c.hidden_size));
  std::printf("mlp size       %lld\n", static_cast<long long>(c.intermediate_size));
  std::printf("heads          %lld (key/value heads %lld, head dim %lld)\n",
              static_cast<long long>(c.num_attention_heads), static_cast<long long>(c.num_key_value_heads),
              static_cast<long long>(c.head_dim));
  std::printf("vocabulary     %lld\n", static_cast<long long>(c.vocab_size));
  std::printf("context        %lld\n", static_cast<long long>(c.max_position_embeddings));
  std::printf("rope           theta %g, scaling %s", c.rope_theta, c.rope_scaling.type.c_str());
  if (c.rope_scaling.type == "llama3")
    std::printf(" (factor %g, low %g, high %g, original context %lld)", c.rope_scaling.factor,
                c.rope_scaling.low_freq_factor, c.rope_scaling.high_freq_factor,
                static_cast<long long>(c.rope_scaling.original_max_position_embeddings));
  std::printf("\nrms norm eps   %g\n", c.rms_norm_eps);
  std::printf("embeddings     %s\n", c.tie_word_embeddings ? "tied to the output head" : "separate output head");
  std::printf("parameters     %lld (%.1f M)\n", static_cast<long long>(m.parameter_count), m.parameter_count / 1e6);

  std::map<std::string, std::pair<int, int64_t>> by_type;  // type -> (tensors, elements)
  for (const auto& [name, type] : m.tensor_types) {
    int64_t n = 1;
    for (int64_t d : m.tensor_shapes.at(name)) n *= d;
    by_type[type].first += 1;
    by_type[type].second += n;
  }
  std::printf("stored types  ");
  for (const auto& [type, cnt] : by_type)
    std::printf(" %s: %d tensors (%.1f M elements);", type.c_str(), cnt.first, cnt.second / 1e6);
  std::printf("\n");

  if (m.format == "gguf") {
    const model::TokenizerSpec& t = m.tokenizer_spec;
    std::printf("tokenizer      %s%s%s, %zu tokens, %zu merges, bos %d, eos %d, add_bos %s\n", t.kind.c_str(),
                t.pre.empty() ? "" : ", pre ", t.pre.c_str(), t.tokens.size(), t.merges.size(), t.bos_id, t.eos_id,
                t.add_bos ? "yes" : "no");
  } else {
    std::printf("tokenizer      %s\n", m.tokenizer_json_path.empty() ? "none (no tokenizer.json in the folder)"
                                                                     : m.tokenizer_json_path.c_str());
  }
  std::printf("bos / eos ids  %lld /", static_cast<long long>(c.bos_token_id));
  for (int64_t e : c.eos_token_ids) std::printf(" %lld", static_cast<long long>(e));
  std::printf("\n");
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "info", "describe a model: architecture, sizes, stored types, parameters, tokenizer",
    "usage: bcjr info [MODEL]\n\n"
    "MODEL is a GGUF file, a Hugging Face Llama folder (config.json + safetensors), or `default`\n"
    "(the default, SmolLM2-135M-Instruct Q4_1). Only headers are read; no weights are loaded.\n",
    run_info});

}  // namespace
}  // namespace bcjr::cli
