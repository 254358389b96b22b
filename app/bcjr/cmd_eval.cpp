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
#include "engine/model/perplexity.h"
#include "engine/core/atomic_file.h"
#include "engine/quant/export_packed.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/token_data.h"

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

// What the command scores, in words, so that nobody mistakes a whole-file figure for a run's
// held-out one (runs hold out the end of their text unless given --eval-data).
std::string what_is_evaluated(const quant::TokenData& d, double held_out) {
  const bool lines = d.kind == "text";
  if (d.part == quant::DataPart::HeldOut)
    return "the held-out part, " + d.range + " (" + quant::describe_held_out(held_out, lines) +
           "): what a run on this file without --eval-data reports";
  if (d.part == quant::DataPart::Calibration)
    return "the calibration part, " + d.range + " (all but " + quant::describe_held_out(held_out, lines) +
           "): what a run on this file calibrates on";
  return "the whole file, " + d.range + "; a run on this file without --eval-data evaluates only " +
         quant::describe_held_out(held_out, lines) + " (--part held-out scores that)";
}

int run_eval(Args& args) {
  const std::string model_spec = args.get("model", "default");
  const std::string data_spec = args.get("data", "default");
  const quant::DataPart part = quant::parse_data_part(args.get("part", "all"), "--part");
  const double held_out = args.real("held-out", quant::QatConfig().held_out);
  model::PerplexityOptions opt;
  opt.ctx = args.integer("ctx", 2048);
  opt.max_windows = args.integer("max-windows", 0);
  opt.batch_windows = args.integer("batch", 0);
  const std::string device_name = args.get("device", "cpu");
  BCJR_CHECK(device_name == "cpu" || device_name == "cuda", "--device ", device_name, ": expected cpu or cuda");
  // fp32 on every device: the dtype of the runs' own perplexities (bf16 gives other figures).
  const std::string dtype_name = args.get("dtype", "fp32");
  const torch::Dtype dtype = parse_dtype(dtype_name);
  const auto snapshot_path = args.get("layer-weights");
  const auto packed_path = args.get("packed");
  const auto json_path = args.get("json");
  const int64_t layer = args.integer("layer", -1);
  args.finish();
  BCJR_CHECK(!snapshot_path || layer >= 0, "--layer-weights needs --layer I (the layer to install it into)");
  BCJR_CHECK(snapshot_path || layer < 0, "--layer is only meaningful with --layer-weights");
  BCJR_CHECK(device_name == "cpu" || torch::cuda::is_available(), "--device cuda: no CUDA device is available");
  BCJR_CHECK(part == quant::DataPart::All || held_out > 0, "--part ", quant::data_part_name(part),
             " needs --held-out > 0");

  const model::LoadedModel loaded = model::load_model(model_spec, terminal_progress());
  const quant::TokenData data = quant::load_token_data(data_spec, loaded, part, held_out);
  model::LlamaModel llama = model::llama_from_loaded(loaded);
  if (snapshot_path) model::install_layer_snapshot(llama, layer, model::read_layer_snapshot(*snapshot_path));
  std::string packed_summary;
  if (packed_path) packed_summary = install_packed(llama, loaded, *packed_path);
  llama->to(torch::Device(device_name), dtype);

  opt.progress = terminal_progress();
  const auto stream = model::perplexity_token_stream(data.ids, data.bos_id);
  model::PerplexityResult r;
  try {
    r = model::perplexity_of_tokens(llama, stream, opt);
  } catch (const Cancelled&) {
    throw;
  } catch (const Error& e) {
    fail(data.path, " (", data.range, "): ", e.what());
  }
  r.protocol.data_file = data.path + (part == quant::DataPart::All ? "" : ", " + data.range);
  r.protocol.data_sha256 = data.part_sha256;
  r.protocol.bos_policy = model::perplexity_bos_policy(data.bos_id);

  std::printf("model       %s (%s)\n", loaded.path.c_str(), loaded.format.c_str());
  if (snapshot_path) std::printf("layer %-5lld %s\n", static_cast<long long>(layer), snapshot_path->c_str());
  if (packed_path) std::printf("packed      %s\n", packed_summary.c_str());
  std::printf("device      %s, %s\n", device_name.c_str(), dtype_name.c_str());
  std::printf("evaluates   %s\n", what_is_evaluated(data, held_out).c_str());
  std::fputs(model::describe_perplexity(r).c_str(), stdout);
  if (json_path) {
    const auto& p = r.protocol;
    nlohmann::json j = {{"ppl", r.ppl},
                        {"mean_nll", r.mean_nll},
                        {"protocol",
                         {{"data", data.path}, {"part", quant::data_part_name(part)}, {"range", data.range},
                          {"sha256", data.part_sha256}, {"bos_policy", p.bos_policy}, {"ctx", p.ctx},
                          {"windows", p.windows}, {"tokens", p.tokens_scored}, {"dtype", p.dtype},
                          {"device", device_name}}},
                        {"model", loaded.path}};
    write_file_atomic(*json_path, j.dump(2) + "\n");
  }
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "eval", "perplexity of a model on a text, with the protocol stated",
    "usage: bcjr eval [--model M] [--data FILE] [--part all|calibration|held-out] [--held-out 0.1]\n"
    "                 [--ctx 2048] [--max-windows K] [--batch N] [--device cpu|cuda] [--dtype fp32|bf16|fp16]\n"
    "                 [--layer-weights SNAPSHOT --layer I] [--packed FILE] [--json FILE]\n\n"
    "Perplexity by the protocol of docs/ALGORITHM.md section 8: the text is tokenised, one BOS is put\n"
    "at its start, it is cut into non-overlapping windows of --ctx tokens (the last partial window\n"
    "dropped), each window is scored alone, and PPL = exp(mean NLL) over all scored tokens.\n"
    "Prints what it evaluates (the whole file by default), the data and its SHA-256, tokens, windows,\n"
    "ctx, BOS policy, dtype and the perplexity.\n\n"
    "  --model M          'default' (the bundled SmolLM2-135M-Instruct), a .gguf file or a HF folder\n"
    "  --data FILE        'default' (Moby Dick), a text file (e.g. WikiText-2 wiki.test.raw) or a .npy\n"
    "                     array of token ids\n"
    "  --part P           all (default), or one part of the split a run makes of a text it is given\n"
    "                     without --eval-data: held-out (its last --held-out of lines, what the run\n"
    "                     evaluates on) or calibration (the rest)\n"
    "  --held-out F       the split's held-out fraction (default 0.1, as bcjr train)\n"
    "  --ctx N            window length in tokens (default 2048)\n"
    "  --max-windows K    score only the first K windows (default: all)\n"
    "  --batch N          windows per forward (default: as memory allows)\n"
    "  --device D         cpu (default) or cuda\n"
    "  --dtype T          fp32 (default, on every device: the dtype of the runs' perplexities), bf16\n"
    "                     or fp16; the dtype is part of the protocol and printed with the figure\n"
    "  --layer-weights S  replace layer I's seven linears with a snapshot: a .pt dict\n"
    "                     {attn_q_proj, attn_k_proj, attn_v_proj, attn_o_proj, mlp_gate_proj,\n"
    "                     mlp_up_proj, mlp_down_proj} of [out, in] tensors (torch.save)\n"
    "  --layer I          the layer for --layer-weights (0-based)\n"
    "  --packed FILE      install every quantised linear of a packed export (bcjr export --format\n"
    "                     packed): bitstreams decoded, dequantised, and copied into the model\n"
    "  --json FILE        also write the perplexity and its protocol as JSON\n",
    run_eval});

}  // namespace
}  // namespace bcjr::cli
