// The default model's perplexity on the default text, by the docs/ALGORITHM.md 8 protocol at ctx 512
// over the first 4 windows (a couple of minutes on the 2-core CPU machine).
//
// Measured on the 2-core Debian 12 CPU machine (LibTorch 1.13, fp32), 2026-11-23, with
//   bcjr eval --model default --data default --ctx 512 --max-windows 4
// SmolLM2-135M-Instruct Q4_1 on mobydick.txt: 337696 tokens with one BOS (id 1), 4 of 659
// windows, 2044 tokens scored, mean NLL 3.716881, perplexity 41.1359.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/core/hash.h"
#include "engine/model/llama.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"
#include "engine/model/perplexity.h"
#include "tests/support/test_support.h"

using namespace bcjr::model;

TEST(DefaultModelPerplexity, MobyDickAtCtx512IsFiniteAndAsMeasured) {
  const LoadedModel loaded = load_model(bcjr::test::default_model_path());
  const Tokenizer tokenizer = tokenizer_for_model(loaded);
  LlamaModel model = llama_from_loaded(loaded);
  PerplexityOptions o;
  o.ctx = 512;
  o.max_windows = 4;
  auto encode = [&](const std::string& text) {
    const auto ids = tokenizer.encode(text, false);
    return std::vector<int64_t>(ids.begin(), ids.end());
  };
  const std::string data = bcjr::test::default_text_path();
  const PerplexityResult r = perplexity_of_file(model, data, encode, tokenizer.bos_id(), o);
  EXPECT_EQ(r.protocol.data_sha256, bcjr::sha256_file(data));
  EXPECT_EQ(r.protocol.text_tokens, 337696);  // the tokenizer's count (cross-checked with HF tokenizers there)
  EXPECT_EQ(r.protocol.windows_available, 659);
  EXPECT_EQ(r.protocol.windows, 4);
  EXPECT_EQ(r.protocol.tokens_scored, 2044);
  ASSERT_TRUE(std::isfinite(r.ppl));
  // Plausible for a 135M model on 19th-century prose: far below the 49152-token vocabulary's
  // uniform perplexity and above what a model that had memorised the text would reach.
  EXPECT_GT(r.ppl, 10);
  EXPECT_LT(r.ppl, 100);
  // The figure measured above, to fp32 summation-order noise: a regression in the loader,
  // tokenizer or forward pass moves it by far more.
  EXPECT_NEAR(r.ppl, 41.1359, 0.01);
  std::printf("%s", describe_perplexity(r).c_str());
}
