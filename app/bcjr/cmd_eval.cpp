// `bcjr eval`: perplexity of a model on a text by the protocol of docs/ALGORITHM.md 8, printed with
// the protocol; optionally with one layer's seven linears replaced from a snapshot.
#include <cstdio>

#include <torch/torch.h>

#include "app/bcjr/cli_context.h"
#include "app/bcjr/command.h"
#include "engine/core/assets.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/model/llama.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"
#include "engine/model/perplexity.h"
#include "engine/quant/export_packed.h"

namespace bcjr::cli {
namespace {

torch::Dtype parse_dtype(const std::string& s) {
  if (s == "fp32" || s == "float32") return torch::kFloat32;
  if (s == "bf16" || s == "bfloat16") return torch::kBFloat16;
  if (s == "fp16" || s == "float16") return torch::kFloat16;
  fail("--dtype ", s, ": expected fp32, bf16 or fp16");
}

// Decodes a packed export and copies each dequantised linear into the model. The file's manifest
// names the model it was made from; a different model is accepted only if every shape fits.
std::string install_packed(model::LlamaModel& llama, const model::LoadedModel& loaded, const std::string& path) {
  quant::TrellisCode code;
  const quant::PackedModel packed = quant::read_packed(path, &code);
  BCJR_CHECK(!packed.linears.empty(), path, ": holds no quantised linear");
  for (const auto& [key, q] : packed.linears) {
    BCJR_CHECK(key.first >= 0 && key.first < loaded.config.num_hidden_layers, path, ": layer ", key.first,
               " is outside the model (", loaded.config.num_hidden_layers, " layers)");
    const torch::Tensor w = quant::dequantize(q, code);
    const torch::Tensor current = llama->linear(key.first, key.second)->effective_weight();
    BCJR_CHECK(w.sizes() == current.sizes(), path, ": ", quant::hf_linear_name(key), " has shape ", w.sizes(),
               ", the model's is ", current.sizes());
    llama->set_linear_weight(key.first, key.second, w.to(torch::kFloat32), path);
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s: %zu linears, %s, %.4f bits/weight effective (%.0f nominal)", path.c_str(),
                packed.linears.size(), code.params.code.c_str(), packed.bits.effective, packed.bits.nominal);
  return buf;
}

int run_eval(Args& args) {
  const std::string model_spec = args.get("model", "default");
  const std::string data_path = resolve_text_path(args.get("data", "default"));
  model::PerplexityOptions opt;
  opt.ctx = args.integer("ctx", 2048);
  opt.max_windows = args.integer("max-windows", 0);
  opt.batch_windows = args.integer("batch", 0);
  const std::string device_name = args.get("device", "cpu");
  BCJR_CHECK(device_name == "cpu" || device_name == "cuda", "--device ", device_name, ": expected cpu or cuda");
  const std::string dtype_name = args.get("dtype", device_name == "cuda" ? "bf16" : "fp32");
  const torch::Dtype dtype = parse_dtype(dtype_name);
  const auto snapshot_path = args.get("layer-weights");
  const auto packed_path = args.get("packed");
  const int64_t layer = args.integer("layer", -1);
  args.finish();
  BCJR_CHECK(!snapshot_path || layer >= 0, "--layer-weights needs --layer I (the layer to install it into)");
  BCJR_CHECK(snapshot_path || layer < 0, "--layer is only meaningful with --layer-weights");
  BCJR_CHECK(device_name == "cpu" || torch::cuda::is_available(), "--device cuda: no CUDA device is available");

  const model::LoadedModel loaded = model::load_model(model_spec, terminal_progress());
  const model::Tokenizer tokenizer = model::tokenizer_for_model(loaded);
  model::LlamaModel llama = model::llama_from_loaded(loaded);
  if (snapshot_path) model::install_layer_snapshot(llama, layer, model::read_layer_snapshot(*snapshot_path));
  std::string packed_summary;
  if (packed_path) packed_summary = install_packed(llama, loaded, *packed_path);
  llama->to(torch::Device(device_name), dtype);

  const int64_t bos = tokenizer.bos_id() >= 0 ? tokenizer.bos_id() : loaded.config.bos_token_id;
  opt.progress = terminal_progress();
  auto encode = [&](const std::string& text) {
    const std::vector<int32_t> ids = tokenizer.encode(text, false);
    return std::vector<int64_t>(ids.begin(), ids.end());
  };
  const model::PerplexityResult r = model::perplexity_of_file(llama, data_path, encode, bos, opt);

  std::printf("model       %s (%s)\n", loaded.path.c_str(), loaded.format.c_str());
  if (snapshot_path) std::printf("layer %-5lld %s\n", static_cast<long long>(layer), snapshot_path->c_str());
  if (packed_path) std::printf("packed      %s\n", packed_summary.c_str());
  std::printf("device      %s, %s\n", device_name.c_str(), dtype_name.c_str());
  std::fputs(model::describe_perplexity(r).c_str(), stdout);
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "eval", "perplexity of a model on a text, with the protocol stated",
    "usage: bcjr eval [--model M] [--data FILE] [--ctx 2048] [--max-windows K] [--batch N]\n"
    "                 [--device cpu|cuda] [--dtype fp32|bf16|fp16] [--layer-weights SNAPSHOT --layer I]\n\n"
    "Perplexity by the protocol of docs/ALGORITHM.md section 8: the text is tokenised, one BOS is put\n"
    "at its start, it is cut into non-overlapping windows of --ctx tokens (the last partial window\n"
    "dropped), each window is scored alone, and PPL = exp(mean NLL) over all scored tokens.\n"
    "Prints the data file and its SHA-256, tokens, windows, ctx, BOS policy and the perplexity.\n\n"
    "  --model M          'default' (the bundled SmolLM2-135M-Instruct), a .gguf file or a HF folder\n"
    "  --data FILE        'default' (Moby Dick) or a text file (e.g. WikiText-2 wiki.test.raw)\n"
    "  --ctx N            window length in tokens (default 2048)\n"
    "  --max-windows K    score only the first K windows (default: all)\n"
    "  --batch N          windows per forward (default: as memory allows)\n"
    "  --device D         cpu (default) or cuda; --dtype defaults to fp32 on cpu, bf16 on cuda\n"
    "  --layer-weights S  replace layer I's seven linears with a snapshot: a .pt dict\n"
    "                     {attn_q_proj, attn_k_proj, attn_v_proj, attn_o_proj, mlp_gate_proj,\n"
    "                     mlp_up_proj, mlp_down_proj} of [out, in] tensors (torch.save)\n"
    "  --layer I          the layer for --layer-weights (0-based)\n"
    "  --packed FILE      install every quantised linear of a packed export (bcjr export --format\n"
    "                     packed): bitstreams decoded, dequantised, and copied into the model\n",
    run_eval});

}  // namespace
}  // namespace bcjr::cli
