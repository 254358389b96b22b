#include "tests/quant/tiny_model.h"

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/npy_tensor.h"
#include "engine/model/llama_random.h"
#include "engine/model/safetensors.h"
#include "engine/quant/export_hf.h"

namespace bcjr::test {

model::LlamaConfig tiny_qat_config() {
  model::LlamaConfig c;
  c.vocab_size = 64;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 10000.0;
  c.max_position_embeddings = 256;
  c.tie_word_embeddings = false;
  c.bos_token_id = 1;
  c.eos_token_ids = {2};
  return c;
}

std::string write_tiny_llama(const std::string& dir, uint64_t seed) {
  std::filesystem::create_directories(dir);
  auto c = tiny_qat_config();
  // Written by the HF export's config writer, so the loader's parser checks it on every run.
  write_file_atomic(dir + "/config.json", quant::hf_config_json(c).dump(2));
  // Larger weights than llama_random_tensors' default so that the random model is far from
  // uniform and quantisation moves its logits measurably.
  auto tensors = model::llama_random_tensors(c, seed, 0.2);
  std::vector<std::pair<std::string, torch::Tensor>> list(tensors.begin(), tensors.end());
  model::write_safetensors(dir + "/model.safetensors", list);
  return dir;
}

std::string write_token_ids(const std::string& path, int64_t n, int64_t vocab, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto ids = torch::randint(3, vocab, {n}, gen, torch::kLong);
  save_npy_tensor(path, ids);
  return path;
}

quant::QatConfig tiny_qat_run(const std::string& model_dir, const std::string& tokens) {
  quant::QatConfig c;
  c.model = model_dir;
  c.data = tokens;
  c.layers = {0};
  c.quant.L = 8;
  c.quant.k = 2;
  c.quant.V = 2;
  c.quant.code = "hyb";
  c.schedule = quant::TemperatureSchedule::preset("skip-high-T");
  c.steps = 3;
  c.window = 32;
  c.calib_windows = 4;
  c.checkpoint_every = 1;
  c.eval_ctx = 32;
  c.eval_windows = 4;
  c.seed = 11;
  return c;
}

quant::TrellisCode small_trellis_code() {
  quant::QuantParams p;
  p.L = 8;
  p.k = 2;
  p.V = 2;
  p.code = "hyb";
  return quant::TrellisCode::make(p);
}

}  // namespace bcjr::test
