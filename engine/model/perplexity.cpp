#include "engine/model/perplexity.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/progress.h"

namespace bcjr::model {

namespace {

// Windows per forward when the caller leaves it open: the attention scores (fp32, heads x ctx^2)
// dominate the activations, so the budget is spent on those; capped so that progress and
// cancellation stay responsive. A CPU gains nothing from batches beyond ~2048 tokens (its
// matmuls are already large), so there batching only gathers short windows.
int64_t auto_batch(const LlamaModel& model, int64_t ctx) {
  const auto& c = model->config();
  const bool gpu = model->device().is_cuda();
  const double budget = gpu ? 4e9 : 1e9;
  const double per_window = 3.0 * 4.0 * double(c.num_attention_heads) * double(ctx) * double(ctx) +
                            4.0 * 4.0 * double(ctx) * double(c.intermediate_size + c.hidden_size);
  int64_t batch = static_cast<int64_t>(budget / per_window);
  if (!gpu) batch = std::min<int64_t>(batch, 2048 / ctx);
  return std::clamp<int64_t>(batch, 1, 8);
}

// Sum of -log p(target) over rows of hidden states, projecting a slice of rows at a time so that
// the [rows, vocab] logits stay small even for 128k vocabularies.
double summed_nll(LlamaModel& model, const torch::Tensor& hidden, const torch::Tensor& targets) {
  const int64_t rows = hidden.size(0), vocab = model->config().vocab_size;
  const int64_t chunk = std::max<int64_t>(1, (16ll << 20) / vocab);
  double total = 0;
  for (int64_t r = 0; r < rows; r += chunk) {
    check_cancel();
    const int64_t n = std::min(chunk, rows - r);
    auto logits = model->head(hidden.narrow(0, r, n)).to(torch::kFloat32);
    auto logp = torch::log_softmax(logits, -1).gather(1, targets.narrow(0, r, n).unsqueeze(1));
    total -= logp.to(torch::kFloat64).sum().item<double>();
  }
  return total;
}

}  // namespace

std::vector<int64_t> perplexity_token_stream(const std::vector<int64_t>& text_ids, int64_t bos_id) {
  std::vector<int64_t> stream;
  stream.reserve(text_ids.size() + 1);
  if (bos_id >= 0) stream.push_back(bos_id);
  stream.insert(stream.end(), text_ids.begin(), text_ids.end());
  return stream;
}

std::string perplexity_bos_policy(int64_t bos_id) {
  if (bos_id < 0) return "no BOS (the model defines none)";
  return "one BOS (id " + std::to_string(bos_id) + ") at the start of the text, none per window";
}

std::string perplexity_dtype_name(torch::Dtype dtype) {
  if (dtype == torch::kFloat32) return "fp32";
  if (dtype == torch::kBFloat16) return "bf16";
  if (dtype == torch::kFloat16) return "fp16";
  return c10::toString(dtype);
}

PerplexityResult perplexity_of_tokens(LlamaModel& model, const std::vector<int64_t>& stream,
                                      const PerplexityOptions& options) {
  const int64_t ctx = options.ctx, n = static_cast<int64_t>(stream.size());
  BCJR_CHECK(ctx >= 2, "perplexity: --ctx ", ctx, " is too small (a window needs at least 2 tokens)");
  BCJR_CHECK(options.max_windows >= 0 && options.batch_windows >= 0,
             "perplexity: --max-windows and the batch size must not be negative");
  PerplexityResult result;
  PerplexityProtocol& p = result.protocol;
  p.ctx = ctx;
  p.dtype = perplexity_dtype_name(model->dtype());
  p.text_tokens = n;
  p.windows_available = n / ctx;
  BCJR_CHECK(p.windows_available > 0, "perplexity: the text has ", n, " tokens, fewer than one window of ctx ",
             ctx);
  p.windows = options.max_windows > 0 ? std::min(options.max_windows, p.windows_available) : p.windows_available;
  p.tokens_scored = p.windows * (ctx - 1);

  const auto start = std::chrono::steady_clock::now();
  const int64_t batch = options.batch_windows > 0 ? options.batch_windows : auto_batch(model, ctx);
  auto all = torch::from_blob(const_cast<int64_t*>(stream.data()), {p.windows * ctx}, torch::kInt64)
                 .view({p.windows, ctx});
  torch::NoGradGuard no_grad;
  ProgressStage stage(options.progress, "perplexity", p.windows);
  double nll = 0;
  for (int64_t w = 0; w < p.windows; w += batch) {
    const int64_t b = std::min(batch, p.windows - w);
    auto tokens = all.narrow(0, w, b).to(model->device());
    auto hidden = model->forward_layers(model->embed(tokens), 0, model->num_layers());
    // Position t predicts token t + 1; the last position has nothing left to predict.
    auto inputs = hidden.narrow(1, 0, ctx - 1).reshape({b * (ctx - 1), -1});
    auto targets = tokens.narrow(1, 1, ctx - 1).reshape({-1});
    nll += summed_nll(model, inputs, targets);
    stage.advance(b);
  }
  result.mean_nll = nll / double(p.tokens_scored);
  result.ppl = std::exp(result.mean_nll);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

PerplexityResult perplexity_of_file(LlamaModel& model, const std::string& data_path, const TextEncoder& encode,
                                    int64_t bos_id, const PerplexityOptions& options) {
  std::ifstream in(data_path, std::ios::binary);
  BCJR_CHECK(in, "perplexity: cannot open data file ", data_path);
  std::ostringstream text;
  text << in.rdbuf();
  BCJR_CHECK(!in.bad(), "perplexity: cannot read data file ", data_path);
  const std::vector<int64_t> stream = perplexity_token_stream(encode(text.str()), bos_id);
  PerplexityResult r;
  try {
    r = perplexity_of_tokens(model, stream, options);
  } catch (const Cancelled&) {
    throw;
  } catch (const Error& e) {
    fail(data_path, ": ", e.what());
  }
  r.protocol.data_file = data_path;
  r.protocol.data_sha256 = sha256_file(data_path);
  r.protocol.bos_policy = perplexity_bos_policy(bos_id);
  return r;
}

std::string describe_perplexity(const PerplexityResult& r) {
  const PerplexityProtocol& p = r.protocol;
  char buf[2048];
  std::snprintf(buf, sizeof buf,
                "data        %s\n"
                "sha256      %s\n"
                "tokens      %lld (%s)\n"
                "ctx         %lld\n"
                "windows     %lld of %lld (non-overlapping, last partial window dropped, each scored alone)\n"
                "scored      %lld tokens (ctx - 1 per window)\n"
                "dtype       %s (weights and activations; log-softmax in fp32)\n"
                "mean NLL    %.6f nats/token\n"
                "perplexity  %.4f\n"
                "time        %.1f s (%.1f tokens/s)\n",
                p.data_file.empty() ? "(token stream)" : p.data_file.c_str(),
                p.data_sha256.empty() ? "-" : p.data_sha256.c_str(), static_cast<long long>(p.text_tokens),
                p.bos_policy.empty() ? "BOS as given" : p.bos_policy.c_str(), static_cast<long long>(p.ctx),
                static_cast<long long>(p.windows), static_cast<long long>(p.windows_available),
                static_cast<long long>(p.tokens_scored), p.dtype.c_str(), r.mean_nll, r.ppl, r.seconds,
                r.seconds > 0 ? double(p.windows * p.ctx) / r.seconds : 0.0);
  return buf;
}

}  // namespace bcjr::model
