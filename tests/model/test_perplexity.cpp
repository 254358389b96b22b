// The perplexity protocol on a tiny random model: window counting, the single BOS, batching,
// max_windows, and the NLL against a hand computation with the fp64 reference forward.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/core/hash.h"
#include "engine/core/progress.h"
#include "engine/model/llama_random.h"
#include "engine/model/perplexity.h"
#include "tests/model/llama_reference.h"
#include "tests/support/test_support.h"

using namespace bcjr;
using namespace bcjr::model;
using bcjr::test::reference_llama_logits;
using bcjr::test::tiny_llama_config;

namespace {

std::vector<int64_t> random_ids(int64_t n, int64_t vocab, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto t = torch::randint(2, vocab, {n}, gen, torch::kInt64);  // 0 and 1 are never text
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + n);
}

// By hand: cut [BOS] + ids into windows of ctx, drop the tail, and average -log softmax of the
// reference logits at each next token.
double hand_mean_nll(const LlamaConfig& c, const std::map<std::string, torch::Tensor>& w,
                     const std::vector<int64_t>& ids, int64_t bos, int64_t ctx, int64_t max_windows) {
  std::vector<int64_t> all{bos};
  all.insert(all.end(), ids.begin(), ids.end());
  int64_t windows = static_cast<int64_t>(all.size()) / ctx;
  if (max_windows > 0) windows = std::min(windows, max_windows);
  double total = 0;
  int64_t count = 0;
  for (int64_t k = 0; k < windows; ++k) {
    std::vector<int64_t> win(all.begin() + k * ctx, all.begin() + (k + 1) * ctx);
    auto tokens = torch::tensor(win, torch::kInt64).view({1, ctx});
    auto logp = torch::log_softmax(reference_llama_logits(c, w, tokens)[0], -1);
    for (int64_t t = 0; t + 1 < ctx; ++t, ++count) total -= logp[t][win[t + 1]].item<double>();
  }
  return total / count;
}

class CancelAfter : public ProgressReporter {
 public:
  explicit CancelAfter(int64_t n) : n_(n) {}
  bool report(const ProgressEvent& e) override {
    events.push_back(e);
    return e.done < n_;
  }
  std::vector<ProgressEvent> events;

 private:
  int64_t n_;
};

}  // namespace

TEST(Perplexity, TokenStreamHasOneBosAtTheStart) {
  EXPECT_EQ(perplexity_token_stream({5, 6, 7}, 1), (std::vector<int64_t>{1, 5, 6, 7}));
  EXPECT_EQ(perplexity_token_stream({5, 6, 7}, -1), (std::vector<int64_t>{5, 6, 7}));
  EXPECT_NE(perplexity_bos_policy(1).find("id 1"), std::string::npos);
  EXPECT_NE(perplexity_bos_policy(-1).find("no BOS"), std::string::npos);
}

TEST(Perplexity, MatchesHandComputationWindowByWindow) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 31, 0.15);
  auto model = llama_from_tensors(c, w, "random");
  const auto ids = random_ids(44, c.vocab_size, 1);  // 45 tokens with BOS: 5 windows of 8, 5 dropped
  const auto stream = perplexity_token_stream(ids, c.bos_token_id);
  PerplexityOptions o;
  o.ctx = 8;
  o.batch_windows = 1;
  auto r = perplexity_of_tokens(model, stream, o);
  EXPECT_EQ(r.protocol.text_tokens, 45);
  EXPECT_EQ(r.protocol.windows_available, 5);
  EXPECT_EQ(r.protocol.windows, 5);
  EXPECT_EQ(r.protocol.tokens_scored, 35);
  const double hand = hand_mean_nll(c, w, ids, c.bos_token_id, 8, 0);
  EXPECT_NEAR(r.mean_nll, hand, 1e-5 * hand);
  EXPECT_NEAR(r.ppl, std::exp(hand), 1e-5 * std::exp(hand));
  // Random weights this large give a perplexity far from the vocabulary size, so a slip in the
  // target shift (scoring the wrong token) would show.
  EXPECT_GT(std::abs(r.mean_nll - std::log(double(c.vocab_size))), 0.1);

  // Batched windows give the same figure; max_windows keeps the first windows only.
  for (int64_t batch : {2, 3, 0}) {
    o.batch_windows = batch;
    EXPECT_NEAR(perplexity_of_tokens(model, stream, o).mean_nll, r.mean_nll, 1e-6 * r.mean_nll) << batch;
  }
  o.max_windows = 2;
  auto r2 = perplexity_of_tokens(model, stream, o);
  EXPECT_EQ(r2.protocol.windows, 2);
  EXPECT_EQ(r2.protocol.windows_available, 5);
  EXPECT_EQ(r2.protocol.tokens_scored, 14);
  const double hand2 = hand_mean_nll(c, w, ids, c.bos_token_id, 8, 2);
  EXPECT_NEAR(r2.mean_nll, hand2, 1e-5 * hand2);
}

TEST(Perplexity, FileProtocolRecordsDataHashTokensAndBos) {
  const LlamaConfig c = tiny_llama_config();
  auto w = llama_random_tensors(c, 32, 0.15);
  auto model = llama_from_tensors(c, w, "random");
  test::TempDir dir;
  const std::string path = dir.file("text.txt");
  const std::string text = "It is not down on any map; true places never are.";  // 49 bytes
  std::ofstream(path, std::ios::binary) << text;
  // A byte-level toy encoding: the point here is what the protocol does with the ids.
  TextEncoder encode = [&](const std::string& s) {
    std::vector<int64_t> ids;
    for (unsigned char ch : s) ids.push_back(2 + ch % (c.vocab_size - 2));
    return ids;
  };
  PerplexityOptions o;
  o.ctx = 16;
  auto r = perplexity_of_file(model, path, encode, c.bos_token_id, o);
  EXPECT_EQ(r.protocol.data_file, path);
  EXPECT_EQ(r.protocol.data_sha256, sha256_file(path));
  EXPECT_EQ(r.protocol.text_tokens, 50);
  EXPECT_EQ(r.protocol.windows, 3);
  EXPECT_EQ(r.protocol.tokens_scored, 45);
  EXPECT_NE(r.protocol.bos_policy.find("id 1"), std::string::npos);
  const double hand = hand_mean_nll(c, w, encode(text), c.bos_token_id, 16, 0);
  EXPECT_NEAR(r.mean_nll, hand, 1e-5 * hand);
  const std::string described = describe_perplexity(r);
  for (const std::string& needle : {path, r.protocol.data_sha256, std::string("ctx         16"),
                                   std::string("windows     3 of 3"), std::string("scored      45 tokens")})
    EXPECT_NE(described.find(needle), std::string::npos) << needle << "\n" << described;

  // Without a BOS the stream is the text alone.
  auto r_nobos = perplexity_of_file(model, path, encode, -1, o);
  EXPECT_EQ(r_nobos.protocol.text_tokens, 49);
  EXPECT_NE(r_nobos.protocol.bos_policy.find("no BOS"), std::string::npos);
}

TEST(Perplexity, ShortTextsBadOptionsAndMissingFilesAreErrors) {
  const LlamaConfig c = tiny_llama_config();
  auto model = llama_from_tensors(c, llama_random_tensors(c, 33), "random");
  PerplexityOptions o;
  o.ctx = 64;
  try {
    perplexity_of_tokens(model, perplexity_token_stream(random_ids(20, c.vocab_size, 2), 1), o);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("21 tokens, fewer than one window of ctx 64"), std::string::npos) << e.what();
  }
  o.ctx = 1;
  EXPECT_THROW(perplexity_of_tokens(model, random_ids(20, c.vocab_size, 2), o), Error);
  o.ctx = 8;
  try {
    perplexity_of_file(model, "/nonexistent/text.txt", [](const std::string&) { return std::vector<int64_t>{}; }, 1, o);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/text.txt"), std::string::npos) << e.what();
  }
}

TEST(Perplexity, ProgressCountsWindowsAndCanCancel) {
  const LlamaConfig c = tiny_llama_config();
  auto model = llama_from_tensors(c, llama_random_tensors(c, 34), "random");
  const auto stream = perplexity_token_stream(random_ids(80, c.vocab_size, 3), 1);
  PerplexityOptions o;
  o.ctx = 8;
  o.batch_windows = 1;
  CancelAfter never(1000);
  o.progress = &never;
  perplexity_of_tokens(model, stream, o);
  ASSERT_FALSE(never.events.empty());
  EXPECT_EQ(never.events.back().done, 10);
  EXPECT_EQ(never.events.back().total, 10);
  EXPECT_EQ(never.events.back().stage, "perplexity");
  CancelAfter soon(0);  // asks to stop at the first report
  o.progress = &soon;
  EXPECT_THROW(perplexity_of_tokens(model, stream, o), Cancelled);
}
