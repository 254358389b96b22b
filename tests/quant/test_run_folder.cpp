// The run folder (manifest, metrics lines, checkpoints, log) and the paper's .pt layer snapshot,
// read back by LibTorch's pickle loader and by Python's pickle module with weights_only's rules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/quant/layer_snapshot_writer.h"
#include "engine/quant/run_folder.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
namespace fs = std::filesystem;

TEST(RunFolder, ManifestMetricsLogAndCheckpoints) {
  bcjr::test::TempDir dir;
  const std::string p = dir.file("run");
  auto run = RunFolder::create(p);
  EXPECT_TRUE(fs::is_directory(p + "/checkpoints"));
  EXPECT_TRUE(fs::is_directory(p + "/snapshots"));
  nlohmann::json m = {{"seed", 3}, {"build", build_info_json()}};
  run.write_manifest(m);
  EXPECT_EQ(RunFolder::open(p).read_manifest(), m);
  EXPECT_THROW(RunFolder::create(p), bcjr::Error);  // refuses to overwrite a run
  for (int i = 0; i < 4; ++i) run.append_metrics({{"step", i}, {"kl", 1.0 / (i + 1)}});
  auto lines = run.read_metrics();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2]["step"], 2);
  run.filter_metrics([](const nlohmann::json& j) { return j["step"].get<int>() < 2; });
  EXPECT_EQ(run.read_metrics().size(), 2u);
  run.log("hello");
  run.log("world");
  auto log = bcjr::read_file(p + "/log.txt");
  EXPECT_NE(log.find("hello\n"), std::string::npos);
  EXPECT_NE(log.find("world\n"), std::string::npos);
  EXPECT_EQ(run.latest_checkpoint(), "");
  bcjr::write_file_atomic(run.checkpoint_path(5), "x");
  bcjr::write_file_atomic(run.checkpoint_path(12), "x");
  bcjr::write_file_atomic(run.checkpoint_path(7), "x");
  EXPECT_EQ(run.latest_checkpoint(), run.checkpoint_path(12));
  bcjr::write_file_atomic(p + "/metrics.jsonl", "{\"step\": 0}\nnot json\n");
  EXPECT_THROW(run.read_metrics(), bcjr::Error);
  EXPECT_THROW(RunFolder::open(dir.file("nothing")), bcjr::Error);
}

// metrics.jsonl and log.txt grow by appends (never rewritten: same inode, constant cost a line),
// whole lines from two threads at once, and a last line a crash cut short is left out.
TEST(RunFolder, LogAndMetricsAppendWholeLinesFromTwoThreads) {
  bcjr::test::TempDir dir;
  auto run = RunFolder::create(dir.file("run"));
  run.append_metrics({{"step", -1}});
  run.log("start");
  struct stat m0 {}, l0 {};
  ASSERT_EQ(stat(run.file("metrics.jsonl").c_str(), &m0), 0);
  ASSERT_EQ(stat(run.file("log.txt").c_str(), &l0), 0);
  auto writer = [&](int offset) {
    for (int i = 0; i < 200; ++i) {
      run.append_metrics({{"step", offset + i}, {"pad", std::string(200, 'x')}});
      run.log("line " + std::to_string(offset + i) + "\nwith a newline inside");
    }
  };
  std::thread a(writer, 0), b(writer, 1000);
  a.join();
  b.join();
  struct stat m1 {}, l1 {};
  ASSERT_EQ(stat(run.file("metrics.jsonl").c_str(), &m1), 0);
  ASSERT_EQ(stat(run.file("log.txt").c_str(), &l1), 0);
  EXPECT_EQ(m0.st_ino, m1.st_ino);
  EXPECT_EQ(l0.st_ino, l1.st_ino);
  auto lines = run.read_metrics();
  ASSERT_EQ(lines.size(), 401u);
  std::set<int> steps;
  for (const auto& j : lines) steps.insert(j.at("step").get<int>());
  EXPECT_EQ(steps.size(), 401u);
  const std::string log = bcjr::read_file(run.file("log.txt"));
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 401);
  EXPECT_NE(log.find("line 1199 with a newline inside\n"), std::string::npos);
  // A torn last line (no newline: the write never finished) is not a step.
  {
    std::ofstream f(run.file("metrics.jsonl"), std::ios::app);
    f << "{\"step\": 5000, \"kl";
  }
  EXPECT_EQ(run.read_metrics().size(), 401u);
}

namespace {
std::map<std::string, torch::Tensor> random_layer() {
  std::map<std::string, torch::Tensor> w;
  w["q_proj"] = torch::randn({32, 32});
  w["k_proj"] = torch::randn({16, 32});
  w["v_proj"] = torch::randn({16, 32});
  w["o_proj"] = torch::randn({32, 32});
  w["gate_proj"] = torch::randn({64, 32});
  w["up_proj"] = torch::randn({64, 32});
  w["down_proj"] = torch::randn({32, 64});
  return w;
}
}  // namespace

TEST(LayerSnapshotPt, RoundTripThroughLibTorchPickleLoader) {
  torch::manual_seed(1);
  bcjr::test::TempDir dir;
  auto w = random_layer();
  write_layer_snapshot_pt(dir.file("layer.pt"), w);
  auto back = bcjr::model::read_layer_snapshot_pt(dir.file("layer.pt")).weights;
  ASSERT_EQ(back.size(), 7u);
  for (const auto& kv : w) EXPECT_TRUE(back.at(kv.first).equal(kv.second)) << kv.first;
  // Raw pickle_load sees the paper's keys.
  auto text = bcjr::read_file(dir.file("layer.pt"));
  auto value = torch::pickle_load(std::vector<char>(text.begin(), text.end()));
  ASSERT_TRUE(value.isGenericDict());
  EXPECT_TRUE(value.toGenericDict().contains("mlp_down_proj"));
  auto missing = w;
  missing.erase("up_proj");
  EXPECT_THROW(write_layer_snapshot_pt(dir.file("bad.pt"), missing), bcjr::Error);
}

TEST(LayerSnapshotPt, PythonUnpicklesItWithWeightsOnlyRules) {
  // torch is not in the test venv, so the check mirrors torch.load(weights_only=True): a
  // restricted Unpickler that allows only what that mode allows, rebuilding tensors with numpy.
  torch::manual_seed(2);
  bcjr::test::TempDir dir;
  auto w = random_layer();
  write_layer_snapshot_pt(dir.file("layer.pt"), w);
  const std::string script = dir.file("check.py");
  bcjr::write_file_atomic(script, R"PY(
import pickle, sys, zipfile, numpy as np
ALLOWED = {("torch._utils", "_rebuild_tensor_v2"), ("collections", "OrderedDict"), ("torch", "FloatStorage")}
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
pkl = [n for n in names if n.endswith("/data.pkl")][0]
prefix = pkl[: -len("data.pkl")]
class Storage:
    def __init__(self, key): self.data = np.frombuffer(z.read(prefix + "data/" + key), dtype="<f4")
def rebuild(storage, offset, size, stride, *rest):
    n = int(np.prod(size)) if size else 1
    return storage.data[offset:offset + n].reshape(size)
class U(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED: raise pickle.UnpicklingError(f"weights_only forbids {module}.{name}")
        if name == "_rebuild_tensor_v2": return rebuild
        if name == "OrderedDict":
            import collections; return collections.OrderedDict
        return "FloatStorage"
    def persistent_load(self, pid):
        assert pid[0] == "storage", pid
        return Storage(pid[2])
d = U(z.open(pkl)).load()
for k in sorted(d): print(k, list(d[k].shape), "%.6f" % float(d[k].astype(np.float64).sum()))
)PY");
  auto r = bcjr::test::run_command(bcjr::test::python() + " " + script + " " + dir.file("layer.pt"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const auto& kv : w) {
    char line[160];
    std::string key;
    for (const auto& k : bcjr::model::layer_snapshot_keys())
      if (k.second == kv.first) key = k.first;
    std::snprintf(line, sizeof line, "%s [%lld, %lld] %.6f", key.c_str(),
                  (long long)kv.second.size(0), (long long)kv.second.size(1), kv.second.to(torch::kFloat64).sum().item<double>());
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
}
