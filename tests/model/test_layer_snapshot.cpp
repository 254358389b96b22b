// Layer snapshots (.pt, the paper's dict of seven [out, in] tensors): a file in torch.save's
// layout written by Python, a LibTorch pickle_save round trip, installation into a layer (the
// logits then equal the reference's with those weights), and the errors that name file and tensor.
#include <gtest/gtest.h>

#include <fstream>

#include <torch/serialize.h>
#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/model/llama_random.h"
#include "tests/model/llama_reference.h"
#include "tests/support/test_support.h"

using namespace bcjr;
using namespace bcjr::model;
using bcjr::test::reference_llama_logits;
using bcjr::test::relative_error;
using bcjr::test::tiny_llama_config;

namespace {

// Shapes of the tiny config's linears, in snapshot key order.
const std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> kShapes = {
    {"attn_q_proj", {128, 64}},  {"attn_k_proj", {32, 64}}, {"attn_v_proj", {32, 64}},
    {"attn_o_proj", {64, 128}},  {"mlp_gate_proj", {112, 64}}, {"mlp_up_proj", {112, 64}},
    {"mlp_down_proj", {64, 112}}};

std::string write_with_python(const test::TempDir& dir, const std::string& name,
                              const std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>>& shapes) {
  const std::string path = dir.file(name);
  std::string cmd = test::python() + " " + test::source_dir() + "/tests/model/write_torch_save_snapshot.py " + path;
  for (auto& [key, s] : shapes) cmd += " " + key + "=" + std::to_string(s.first) + "," + std::to_string(s.second);
  auto r = test::run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return path;
}

// The values write_torch_save_snapshot.py puts in its i-th tensor.
torch::Tensor expected_values(int64_t i, int64_t rows, int64_t cols) {
  auto r = torch::arange(rows, torch::kFloat64).unsqueeze(1), c = torch::arange(cols, torch::kFloat64).unsqueeze(0);
  return ((i + 1) + r / 100 + c / 10000).to(torch::kFloat32);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(LayerSnapshot, ReadsTorchSaveLayoutWrittenByPythonAndInstallsIt) {
  test::TempDir dir;
  const std::string path = write_with_python(dir, "layer1.pt", kShapes);
  LayerSnapshot snap = read_layer_snapshot(path);
  EXPECT_EQ(snap.source, path);
  ASSERT_EQ(snap.weights.size(), 7u);
  for (size_t i = 0; i < kShapes.size(); ++i) {
    const std::string linear = layer_snapshot_keys()[i].second;
    const auto [rows, cols] = kShapes[i].second;
    const torch::Tensor& w = snap.weights.at(linear);
    EXPECT_EQ(w.scalar_type(), torch::kFloat32);
    // The last one was stored column-major: its strides must have been honoured.
    EXPECT_TRUE(torch::equal(w, expected_values(static_cast<int64_t>(i), rows, cols))) << linear;
  }

  const LlamaConfig c = tiny_llama_config();
  auto weights = llama_random_tensors(c, 41, 0.15);
  auto model = llama_from_tensors(c, weights, "random");
  install_layer_snapshot(model, 1, snap);
  for (auto& [key, linear] : layer_snapshot_keys()) {
    const std::string part = (key.rfind("attn_", 0) == 0 ? "self_attn." : "mlp.") + linear;
    weights["model.layers.1." + part + ".weight"] = snap.weights.at(linear) * 0.01;
    EXPECT_TRUE(torch::equal(model->linear(1, linear)->weight, snap.weights.at(linear)));
  }
  // Same weights scaled into a sane range, through both the engine and the reference.
  for (auto& [key, linear] : layer_snapshot_keys()) model->set_linear_weight(1, linear, snap.weights.at(linear) * 0.01);
  auto tokens = torch::randint(c.vocab_size, {1, 24}, at::detail::createCPUGenerator(2), torch::kInt64);
  torch::NoGradGuard no_grad;
  EXPECT_LT(relative_error(model->forward(tokens), reference_llama_logits(c, weights, tokens)), 1e-5);
}

TEST(LayerSnapshot, LibTorchPickleSaveRoundTrip) {
  test::TempDir dir;
  c10::Dict<std::string, torch::Tensor> dict;
  std::map<std::string, torch::Tensor> written;
  auto gen = at::detail::createCPUGenerator(3);
  for (auto& [key, s] : kShapes) {
    written[key] = at::normal(0.0, 1.0, {s.first, s.second}, gen);
    dict.insert(key, written[key]);
  }
  const auto bytes = torch::pickle_save(c10::IValue(dict));
  const std::string path = dir.file("cpp.pt");
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  LayerSnapshot snap = read_layer_snapshot(path);
  for (auto& [key, linear] : layer_snapshot_keys()) EXPECT_TRUE(torch::equal(snap.weights.at(linear), written[key]));
}

TEST(LayerSnapshot, ErrorsNameTheFileAndTheTensor) {
  test::TempDir dir;
  auto six = kShapes;
  six.erase(six.begin() + 4);  // no mlp_gate_proj
  const std::string missing = write_with_python(dir, "six.pt", six);
  EXPECT_NE(error_of([&] { read_layer_snapshot(missing); }).find(missing + ": tensor 'mlp_gate_proj' is missing"),
            std::string::npos);

  auto extra = kShapes;
  extra.push_back({"attn_qkv", {2, 2}});
  const std::string unexpected = write_with_python(dir, "extra.pt", extra);
  EXPECT_NE(error_of([&] { read_layer_snapshot(unexpected); }).find("unexpected key 'attn_qkv'"), std::string::npos);

  auto wrong = kShapes;
  wrong[1].second = {64, 64};  // k_proj as if there were no GQA
  const std::string bad_shape = write_with_python(dir, "wrong.pt", wrong);
  const LlamaConfig c = tiny_llama_config();
  auto model = llama_from_tensors(c, llama_random_tensors(c, 42), "random");
  const auto before = model->linear(0, "q_proj")->weight.clone();
  const std::string msg = error_of([&] { install_layer_snapshot(model, 0, read_layer_snapshot(bad_shape)); });
  EXPECT_NE(msg.find(bad_shape), std::string::npos) << msg;
  EXPECT_NE(msg.find("tensor 'attn_k_proj' is [64, 64] but layer 0's k_proj is [32, 64]"), std::string::npos) << msg;
  EXPECT_TRUE(torch::equal(model->linear(0, "q_proj")->weight, before));  // nothing installed
  const LayerSnapshot good = read_layer_snapshot(write_with_python(dir, "good.pt", kShapes));
  EXPECT_NE(error_of([&] { install_layer_snapshot(model, 5, good); }).find("layer 5 does not exist"), std::string::npos);

  const std::string garbage = dir.file("garbage.pt");
  std::ofstream(garbage) << "not a zip file at all";
  EXPECT_NE(error_of([&] { read_layer_snapshot(garbage); }).find(garbage + ": not a torch.save zip archive"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_layer_snapshot(dir.file("absent.pt")); }).find("absent.pt: cannot open"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_layer_snapshot(dir.file("weights.bin")); }).find("unsupported format"),
            std::string::npos);
}
