// Tokenizer speed on the default text (Moby Dick, 1.2 MB) with the default model's tokenizer:
// a cold encode (empty piece cache), a warm one, and, as the reference measured in the same run,
// the plain quadratic BPE (BpeModel::encode_reference) on the same pieces without any cache.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/core/assets.h"
#include "engine/model/bpe.h"
#include "engine/model/model_loader.h"
#include "engine/model/model_tokenizer.h"
#include "engine/model/pretokenizer.h"
#include "engine/model/unicode_bytes.h"

using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int main() {
  using namespace bcjr;
  const std::string text_path = resolve_text_path("default");
  std::ifstream f(text_path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();

  model::LoadOptions opt;
  opt.load_tensors = false;
  auto t0 = Clock::now();
  const model::LoadedModel m = model::load_model("default", nullptr, opt);
  const double t_header = seconds_since(t0);
  t0 = Clock::now();
  const model::Tokenizer tok = model::tokenizer_for_model(m);
  const double t_build = seconds_since(t0);

  t0 = Clock::now();
  const auto ids = tok.encode(text, false);
  const double t_cold = seconds_since(t0);
  t0 = Clock::now();
  const auto ids2 = tok.encode(text, false);
  const double t_warm = seconds_since(t0);
  t0 = Clock::now();
  const std::string back = tok.decode(ids);
  const double t_decode = seconds_since(t0);

  // Reference: the same pre-tokenizer pieces through the plain BPE, no cache.
  model::PreTokenizerStep digits, byte_level;
  digits.kind = model::PreTokenizerStep::Kind::Digits;
  digits.individual_digits = true;
  byte_level.kind = model::PreTokenizerStep::Kind::ByteLevel;
  const model::PreTokenizer pre({digits, byte_level}, "bench");
  const model::BpeModel plain(m.tokenizer_spec.tokens, m.tokenizer_spec.merges, {}, "bench");
  t0 = Clock::now();
  const auto pieces = pre.run({model::Piece{text, 0}});
  const double t_pre = seconds_since(t0);
  t0 = Clock::now();
  size_t n_ref = 0;
  for (const auto& p : pieces) n_ref += plain.encode_reference(p.text).size();
  const double t_ref = seconds_since(t0);

  // Long pieces (a SentencePiece-style tokenizer sees all text between special tokens as one):
  // the byte-mapped text as a single BPE word, merge loop on the whole text, reference on a prefix.
  const std::string mapped = model::bytes_to_unicode_text(text);
  const std::string prefix = model::bytes_to_unicode_text(text.substr(0, 20000));
  std::vector<int32_t> long_ids;
  t0 = Clock::now();
  plain.encode(mapped, long_ids);
  const double t_long = seconds_since(t0);
  std::vector<int32_t> prefix_ids;
  t0 = Clock::now();
  plain.encode(prefix, prefix_ids);
  const double t_prefix = seconds_since(t0);
  t0 = Clock::now();
  const auto prefix_ref = plain.encode_reference(prefix);
  const double t_prefix_ref = seconds_since(t0);

  const double mb = text.size() / 1e6;
  std::printf("tokenizer benchmark, default text %s (%.2f MB), default model's tokenizer (%s)\n", text_path.c_str(),
              mb, tok.kind().c_str());
  std::printf("  model header read       %8.3f s\n", t_header);
  std::printf("  tokenizer built         %8.3f s (%lld tokens, %zu merges)\n", t_build,
              static_cast<long long>(tok.vocab_size()), m.tokenizer_spec.merges.size());
  std::printf("  encode, cold cache      %8.3f s  %7.2f MB/s  %zu tokens\n", t_cold, mb / t_cold, ids.size());
  std::printf("  encode, warm cache      %8.3f s  %7.2f MB/s\n", t_warm, mb / t_warm);
  std::printf("  decode                  %8.3f s  (round trip %s)\n", t_decode, back == text ? "exact" : "DIFFERS");
  std::printf("  pre-tokenizer alone     %8.3f s  (%zu pieces)\n", t_pre, pieces.size());
  std::printf("  reference BPE, no cache %8.3f s  (%zu tokens; cold encode is %.1fx faster)\n", t_ref, n_ref,
              t_ref / t_cold);
  std::printf("  whole text as one piece %8.3f s  (merge loop, %zu tokens)\n", t_long, long_ids.size());
  std::printf("  20 kB as one piece      %8.4f s  merge loop vs %.3f s reference (%.0fx)\n", t_prefix, t_prefix_ref,
              t_prefix_ref / t_prefix);
  return ids == ids2 && n_ref == ids.size() && prefix_ids == prefix_ref ? 0 : 1;
}
