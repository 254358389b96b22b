// `bcjr eval` end to end on the default model with a short context: the protocol is printed,
// a layer snapshot holding the layer's own weights changes nothing, a different one changes the
// perplexity, and bad snapshots or options fail with a message naming what was wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <torch/serialize.h>
#include <torch/torch.h>

#include "engine/model/layer_snapshot.h"
#include "engine/model/model_loader.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::run_command;

namespace {

std::string perplexity_line(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("perplexity  ([0-9.]+)"))) return "";
  return m[1];
}

// Layer `layer` of the default model as a .pt snapshot, each tensor passed through `change`.
std::string write_snapshot(const bcjr::test::TempDir& dir, const std::string& name, int layer,
                           const std::function<torch::Tensor(const std::string&, torch::Tensor)>& change) {
  const auto loaded = bcjr::model::load_model(bcjr::test::default_model_path());
  c10::Dict<std::string, torch::Tensor> dict;
  for (auto& [key, linear] : bcjr::model::layer_snapshot_keys()) {
    const std::string part = (key.rfind("attn_", 0) == 0 ? "self_attn." : "mlp.") + linear;
    dict.insert(key, change(key, loaded.tensors.at("model.layers." + std::to_string(layer) + "." + part + ".weight")));
  }
  const auto bytes = torch::pickle_save(c10::IValue(dict));
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The first ~30 KB of the default text (cut at a line end, so UTF-8 stays whole): tokenising
// the whole novel on every run would dominate these tests.
std::string excerpt(const bcjr::test::TempDir& dir) {
  std::ifstream in(bcjr::test::default_text_path(), std::ios::binary);
  std::string text(30000, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(text.rfind('\n') + 1);
  const std::string path = dir.file("excerpt.txt");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST(CliEval, PrintsProtocolAndSnapshotsOfTheSameWeightsChangeNothing) {
  bcjr::test::TempDir dir;
  const std::string base =
      bcjr_program() + " eval --model default --data " + excerpt(dir) + " --ctx 64 --max-windows 3";
  auto plain = run_command(base);
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  for (const char* needle : {"data        ", "excerpt.txt", "sha256      ", "one BOS (id 1) at the start",
                                   "ctx         64", "windows     3 of ", "scored      189 tokens", "device      cpu, fp32"})
    EXPECT_NE(plain.out.find(needle), std::string::npos) << needle << "\n" << plain.out;
  const std::string ppl = perplexity_line(plain.out);
  ASSERT_FALSE(ppl.empty()) << plain.out;
  EXPECT_GT(std::stod(ppl), 1.0);

  const auto same = write_snapshot(dir, "same.pt", 7, [](const std::string&, torch::Tensor t) { return t; });
  auto with_same = run_command(base + " --layer-weights " + same + " --layer 7");
  ASSERT_EQ(with_same.exit_code, 0) << with_same.out;
  EXPECT_EQ(perplexity_line(with_same.out), ppl);
  EXPECT_NE(with_same.out.find("layer 7     " + same), std::string::npos) << with_same.out;

  // The MLP of layer 7 switched off: a different model, a different figure.
  const auto off = write_snapshot(dir, "off.pt", 7, [](const std::string& key, torch::Tensor t) {
    return key == "mlp_down_proj" ? torch::zeros_like(t) : t;
  });
  auto with_off = run_command(base + " --layer-weights " + off + " --layer 7");
  ASSERT_EQ(with_off.exit_code, 0) << with_off.out;
  EXPECT_NE(perplexity_line(with_off.out), ppl);
}

TEST(CliEval, BadSnapshotsAndOptionsFailNamingTheProblem) {
  bcjr::test::TempDir dir;
  const std::string base = bcjr_program() + " eval --ctx 64 --max-windows 1 --data " + excerpt(dir);
  // Layer 7's snapshot with k and v swapped for q's shape: installs nowhere.
  const auto wrong = write_snapshot(dir, "wrong.pt", 7, [](const std::string& key, torch::Tensor t) {
    return key == "attn_k_proj" ? torch::zeros({576, 576}) : t;
  });
  auto r = run_command(base + " --layer-weights " + wrong + " --layer 7");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(wrong + ": tensor 'attn_k_proj' is [576, 576] but layer 7's k_proj is [192, 576]"),
            std::string::npos)
      << r.out;
  r = run_command(base + " --layer-weights " + wrong);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--layer-weights needs --layer"), std::string::npos) << r.out;
  r = run_command(base + " --layer-weights " + wrong + " --layer 30");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("layer 30 does not exist"), std::string::npos) << r.out;
  r = run_command(base + " --dtype fp8");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--dtype fp8"), std::string::npos) << r.out;
  r = run_command(bcjr_program() + " eval --data " + dir.file("absent.txt"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("absent.txt"), std::string::npos) << r.out;
  r = run_command(bcjr_program() + " eval --ctx 100000000 --data " + excerpt(dir));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("fewer than one window of ctx 100000000"), std::string::npos) << r.out;
}
