// Writes the seed corpora of the readers whose formats are this program's own (QAT configurations,
// run.json, schedules, packed exports, metrics.jsonl) with the program's own writers, so the seeds
// are exactly what a user's files look like. usage: seed_writer OUT_DIR (one subfolder per target).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/core/atomic_file.h"
#include "engine/quant/export_packed.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_metrics.h"
#include "engine/quant/quantized_linear.h"
#include "engine/quant/run_folder.h"

namespace fs = std::filesystem;
using namespace bcjr;
using namespace bcjr::quant;

namespace {

void put(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::create_directories(dir);
  write_file_atomic((dir / name).string(), text);
}

QuantizedLinear random_linear(const TrellisCode& code, int64_t layer, const std::string& name, int64_t rows,
                              int64_t cols) {
  QuantizedLinear q;
  q.layer = layer;
  q.name = name;
  q.rows = rows;
  q.cols = cols;
  q.signs_out = torch::randint(0, 2, {rows}).to(torch::kFloat32) * 2 - 1;
  q.signs_in = torch::randint(0, 2, {cols}).to(torch::kFloat32) * 2 - 1;
  q.scale = 0.02;
  q.states = harden(q, code, torch::randn({rows, cols}) * 0.02);
  return q;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: seed_writer OUT_DIR\n");
    return 2;
  }
  const fs::path out(argv[1]);
  torch::manual_seed(0);

  QatConfig c;
  put(out / "fuzz_qat_config", "default.json", c.to_json().dump(2));
  c.layers = {3, 8};
  c.multi_layer = "greedy";
  c.ptq_mode = "ldlq";
  c.quant.code = "1mad";
  c.quant.V = 1;
  c.schedule = TemperatureSchedule::points({{0, 0.5}, {4, 0.1}, {9, 0.05}});
  c.lr_units = "normalised";
  c.eval_every = 2;
  put(out / "fuzz_qat_config", "greedy-points.json", c.to_json().dump(2));
  const nlohmann::json manifest = {{"kind", "bcjr-qat"}, {"config", c.to_json()}, {"build", build_info_json()}};
  put(out / "fuzz_qat_config", "run.json", manifest.dump(2));
  put(out / "fuzz_run_json", "run.json", manifest.dump(2));
  put(out / "fuzz_run_json", "default.json",
      nlohmann::json({{"kind", "bcjr-qat"}, {"config", QatConfig().to_json()}}).dump());

  for (const auto& s : {TemperatureSchedule::preset("skip-high-T"), TemperatureSchedule::cosine(1.0, 0.01),
                        TemperatureSchedule::linear(0.5, 0.1), TemperatureSchedule::constant(0.2),
                        TemperatureSchedule::points({{0, 0.3}, {5, 0.2}, {9, 0.05}})})
    put(out / "fuzz_schedule", s.kind_name() + ".json", s.to_json().dump());
  put(out / "fuzz_schedule", "preset.json", R"({"kind": "preset", "name": "naive"})");

  fs::create_directories(out / "fuzz_packed");
  for (const char* code_name : {"hyb", "1mad"}) {
    QuantParams p;
    p.code = code_name;
    p.V = p.code == "hyb" ? 2 : 1;
    p.L = p.code == "hyb" ? 16 : 8;
    const TrellisCode code = TrellisCode::make(p);
    std::map<LinearKey, QuantizedLinear> q;
    q[{1, "q_proj"}] = random_linear(code, 1, "q_proj", 32, 16);
    q[{1, "down_proj"}] = random_linear(code, 1, "down_proj", 16, 32);
    export_packed((out / "fuzz_packed" / (std::string(code_name) + ".safetensors")).string(), q, code, "ptq-rht",
                  manifest);
  }

  std::string lines;
  for (int64_t step = 0; step < 3; ++step) {
    StepMetrics m;
    m.step = m.phase_step = step;
    m.T = 0.3 - 0.1 * double(step);
    m.kl = 0.5 / double(step + 1);
    m.lr = 2e-4;
    m.grad_norm = 0.7;
    m.eval_ppl = step == 2 ? 48.1 : -1;
    LinearStepMetrics l;
    l.layer = 4;
    l.linear = "q_proj";
    l.flips = step;
    l.tiles = 2304;
    m.linears.push_back(l);
    lines += to_json(m).dump() + "\n";
  }
  put(out / "fuzz_metrics", "metrics.jsonl", lines);
  put(out / "fuzz_metrics", "torn.jsonl", lines + R"({"step": 3, "T": 0.)");
  return 0;
}
