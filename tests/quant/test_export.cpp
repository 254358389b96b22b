// The three exports of a finished run round-trip: pt read back by LibTorch's pickle loader,
// packed decoded to the same paths and weights, and the hf folder loaded by the engine giving the
// same logits as the quantised model; and `bcjr ptq` / `train` / `export` from the command line.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/model/layer_snapshot.h"
#include "engine/model/llama.h"
#include "engine/model/model_loader.h"
#include "engine/model/safetensors.h"
#include "engine/quant/export_packed.h"
#include "engine/quant/export_run.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;

namespace {

// One finished two-layer run shared by the export tests.
class ExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto model = bcjr::test::write_tiny_llama(dir_->file("model"), 31);
    auto tokens = bcjr::test::write_token_ids(dir_->file("tokens.npy"), 120, 64, 32);
    auto c = bcjr::test::tiny_qat_run(model, tokens);
    c.layers = {0, 1};
    c.steps = 2;
    c.lr = 5e-3;
    c.eval_before_after = false;
    QatSession::create(c, dir_->file("run"))->run();
    q_ = new std::map<LinearKey, QuantizedLinear>(load_quantized_linears(dir_->file("run/snapshots/quantized.ckpt"), &params_));
  }
  static void TearDownTestSuite() {
    delete q_;
    delete dir_;
  }
  static torch::Tensor weight(const LinearKey& k) { return dequantize(q_->at(k), TrellisCode::make(params_)); }
  static TempDir* dir_;
  static std::map<LinearKey, QuantizedLinear>* q_;
  static QuantParams params_;
};
TempDir* ExportTest::dir_ = nullptr;
std::map<LinearKey, QuantizedLinear>* ExportTest::q_ = nullptr;
QuantParams ExportTest::params_;

}  // namespace

TEST_F(ExportTest, PtSnapshotsReadBackByThePickleLoader) {
  auto s = export_run(dir_->file("run"), "pt", dir_->file("pt"));
  for (int64_t layer : {0, 1}) {
    auto snap = bcjr::model::read_layer_snapshot_pt(dir_->file("pt/layer_" + std::to_string(layer) + ".pt"));
    ASSERT_EQ(snap.weights.size(), 7u);
    for (const auto& kv : snap.weights) EXPECT_TRUE(kv.second.equal(weight({layer, kv.first}))) << kv.first;
  }
  EXPECT_THROW(export_run(dir_->file("run"), "onnx", dir_->file("x")), bcjr::Error);
}

TEST_F(ExportTest, PackedDecodesToTheSamePathsAndWeights) {
  const std::string path = dir_->file("packed.safetensors");
  export_run(dir_->file("run"), "packed", path);
  TrellisCode code;
  auto pm = read_packed(path, &code);
  ASSERT_EQ(pm.linears.size(), q_->size());
  EXPECT_EQ(pm.method, "bcjr-qat");
  for (const auto& kv : *q_) {
    const auto& got = pm.linears.at(kv.first);
    EXPECT_TRUE(got.states.equal(kv.second.states)) << linear_label(kv.first);
    EXPECT_TRUE(dequantize(got, code).equal(weight(kv.first))) << linear_label(kv.first);
  }
  // Bits: 2 nominal; effective counts every stored bit: 16-bit words (256*2/16 = 32 per tile), 8-bit
  // signs, a 64-bit scale per linear and the 512 x 2 fp32 LUT.
  int64_t weights = 0, bits = 512 * 2 * 32;
  for (const auto& kv : *q_) {
    weights += kv.second.rows * kv.second.cols;
    bits += kv.second.tiles() * 32 * 16 + (kv.second.rows + kv.second.cols) * 8 + 64;
  }
  EXPECT_EQ(pm.bits.nominal, 2.0);
  EXPECT_EQ(pm.bits.weights, weights);
  EXPECT_EQ(pm.bits.stored_bits, bits);
  EXPECT_NEAR(pm.bits.effective, double(bits) / weights, 1e-12);
  bcjr::model::SafetensorsFile f(path);
  auto qc = nlohmann::json::parse(f.metadata().at("quantization_config"));
  EXPECT_EQ(qc["L"], 8);
  EXPECT_EQ(qc["boundary"], "tailbiting");
  EXPECT_TRUE(nlohmann::json::parse(f.metadata().at("manifest")).contains("config"));
  // A file that is not a packed export is refused by name.
  EXPECT_THROW(read_packed(dir_->file("model/model.safetensors"), nullptr), bcjr::Error);
}

TEST_F(ExportTest, HfFolderGivesTheQuantisedModelsLogits) {
  export_run(dir_->file("run"), "hf", dir_->file("hf"));
  EXPECT_TRUE(std::filesystem::exists(dir_->file("hf/config.json")));
  EXPECT_TRUE(std::filesystem::exists(dir_->file("hf/README.md")));
  auto exported = bcjr::model::load_model(dir_->file("hf"));
  auto m1 = bcjr::model::llama_from_tensors(exported.config, exported.tensors, "export");
  auto source = bcjr::model::load_model(dir_->file("model"));
  auto m2 = bcjr::model::llama_from_tensors(source.config, source.tensors, "source");
  for (const auto& kv : *q_) m2->set_linear_weight(kv.first.first, kv.first.second, weight(kv.first));
  auto tokens = torch::randint(0, 64, {1, 24}, torch::kLong);
  torch::NoGradGuard ng;
  auto a = m1->forward(tokens), b = m2->forward(tokens);
  EXPECT_TRUE(a.equal(b));
  // ... and not the FP model's.
  auto m3 = bcjr::model::llama_from_tensors(source.config, source.tensors, "fp");
  EXPECT_FALSE(m3->forward(tokens).equal(a));
}

TEST(Cli, PtqTrainAndExportFromTheCommandLine) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 41);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 42);
  const std::string common = " --model " + model + " --data " + tokens +
                             " --L 8 --k 2 --V 2 --window 32 --calib-windows 2 --eval-ctx 32 --eval-windows 2";
  auto r = bcjr::test::run_command(bcjr::test::bcjr_program() + " ptq --out " + dir.file("ptq") + " --layers 1 --mode ldlq" +
                                   common + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("proxy error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("perplexity PTQ"), std::string::npos) << r.out;
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " train --out " + dir.file("qat") +
                              " --layers 0 --steps 2 --schedule naive --lr 1e-3" + common + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("step 2/2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("perplexity QAT"), std::string::npos) << r.out;
  // --config from the finished run's run.json, flags overriding it.
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " train --config " + dir.file("qat/run.json") + " --out " +
                              dir.file("qat2") + " --steps 1 --no-eval 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " export " + dir.file("qat") + " --format packed --out " +
                              dir.file("q.safetensors") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("bits/weight nominal"), std::string::npos) << r.out;
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " export " + dir.file("ptq") + " --format pt --out " +
                              dir.file("ptq_layer1.pt") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("ptq_layer1.pt")));
  // Bad input: an error naming the option, exit status 1.
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " train --out " + dir.file("bad") + " --layers 0 --multi-layer sideways" +
                              common + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("multi-layer"), std::string::npos) << r.out;
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " train --resume " + dir.file("nothing") + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

// Each export, scored by `bcjr eval` on the run's own held-out part with the run's ctx, window
// count and dtype, gives the run's own hardened (QAT) perplexity; the plain model gives its FP.
TEST(ExportExactness, EveryFormatReproducesTheRunsPerplexityUnderBcjrEval) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 51);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 640, 64, 52);
  auto c = bcjr::test::tiny_qat_run(model, tokens);  // one layer, defaults: held-out 10%, lr 0.05 normalised
  c.steps = 2;
  QatSession::create(c, dir.file("run"))->run();
  auto results = nlohmann::json::parse(bcjr::read_file(dir.file("run/results.json")));
  std::map<std::string, double> want;
  for (const auto& f : results.at("perplexity")) want[f.at("label")] = f.at("ppl").get<double>();
  ASSERT_EQ(want.size(), 3u);
  ASSERT_NE(want["QAT"], want["FP"]);

  ASSERT_NO_THROW(export_run(dir.file("run"), "pt", dir.file("layer0.pt")));
  ASSERT_NO_THROW(export_run(dir.file("run"), "packed", dir.file("q.safetensors")));
  ASSERT_NO_THROW(export_run(dir.file("run"), "hf", dir.file("hf")));
  const std::string protocol = " --data " + tokens + " --part held-out --ctx 32 --max-windows 4";
  auto eval = [&](const std::string& name, const std::string& args) {
    const std::string json = dir.file(name + ".json");
    auto r = bcjr::test::run_command(bcjr::test::bcjr_program() + " eval" + args + protocol + " --json " + json + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("evaluates   the held-out part, ids [576, 640) of 640"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("dtype       fp32"), std::string::npos) << r.out;
    auto j = nlohmann::json::parse(bcjr::read_file(json));
    EXPECT_EQ(j.at("protocol").at("windows"), 2) << r.out;
    return j.at("ppl").get<double>();
  };
  EXPECT_EQ(eval("fp", " --model " + model), want["FP"]);
  EXPECT_EQ(eval("pt", " --model " + model + " --layer-weights " + dir.file("layer0.pt") + " --layer 0"), want["QAT"]);
  EXPECT_EQ(eval("packed", " --model " + model + " --packed " + dir.file("q.safetensors")), want["QAT"]);
  EXPECT_EQ(eval("hf", " --model " + dir.file("hf")), want["QAT"]);
  // The whole file is another protocol, and says so.
  auto r = bcjr::test::run_command(bcjr::test::bcjr_program() + " eval --model " + model + " --data " + tokens +
                                   " --ctx 32 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("the whole file, ids [0, 640) of 640; a run on this file without --eval-data evaluates only"),
            std::string::npos) << r.out;
}

TEST(ExportExactness, ACancelledExportStopsWithCancelled) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 53);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 400, 64, 54);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 1;
  c.eval_before_after = false;
  QatSession::create(c, dir.file("run"))->run();
  struct Refuse : bcjr::ProgressReporter {
    bool report(const bcjr::ProgressEvent&) override { return false; }
  } refuse;
  EXPECT_THROW(export_run(dir.file("run"), "pt", dir.file("x.pt"), &refuse), bcjr::Cancelled);
  EXPECT_THROW(export_run(dir.file("run"), "hf", dir.file("hf"), &refuse), bcjr::Cancelled);
}
