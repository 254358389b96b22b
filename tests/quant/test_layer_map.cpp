// The layer map service against slow, obvious references: per-tile loops over the paths for the
// flips and the quantisation error, and the textbook double-precision forward-backward
// (tests/trellis/trellis_reference.h, summed over every overlap for tail-biting) for the entropy.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <atomic>
#include <cmath>

#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/model/model_loader.h"
#include "engine/quant/layer_map.h"
#include "engine/quant/ptq.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/run_linear_state.h"
#include "engine/quant/tiles.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"
#include "tests/trellis/trellis_reference.h"

using namespace bcjr;
using namespace bcjr::quant;

namespace {

// A 32 x 48 linear (2 x 3 tiles) quantised by PTQ on a small trellis, and a weight moved off it.
LinearState small_linear(const std::string& boundary, uint64_t seed) {
  QuantParams p;
  p.L = 6;
  p.k = 2;
  p.V = 1;
  p.code = "1mad";
  p.boundary = boundary;
  p.tailbiting_bcjr = "exact";
  LinearState s;
  s.code = TrellisCode::make(p);
  torch::manual_seed(seed);
  s.w_fp = torch::randn({32, 48}) * 0.05;
  auto r = ptq_linear(s.w_fp, torch::Tensor(), 3, "q_proj", PtqMode::Rht, s.code, seed);
  s.q = r.q;
  s.w = r.reconstruction + torch::randn({32, 48}) * 0.02;  // some tiles flip, some not
  s.what = "test";
  return s;
}

double entropy_bits(const std::vector<double>& marginals, int steps, int symbols) {
  double h = 0;
  for (int t = 0; t < steps; ++t)
    for (int u = 0; u < symbols; ++u) {
      const double p = marginals[size_t(t) * symbols + u];
      if (p > 0) h -= p * std::log2(p);
    }
  return h / steps;
}

// The posterior's mean per-step symbol entropy of one tile, in double: free, or tail-biting as the
// mixture over every overlap weighted by its partition function.
double reference_entropy(const TrellisCode& code, const std::vector<double>& w, double T) {
  const auto& sp = code.spec;
  if (code.boundary == trellis::Boundary::Free)
    return entropy_bits(trellis::ref::forward_backward(sp, *code.codebook, w.data(), T).marginals, sp.steps(),
                        sp.symbols());
  std::vector<trellis::ref::ForwardBackward> runs;
  std::vector<double> lz;
  for (int o = 0; o < sp.overlaps(); ++o) {
    runs.push_back(trellis::ref::forward_backward(sp, *code.codebook, w.data(), T, o));
    lz.push_back(runs.back().log_z);
  }
  const double total = trellis::ref::lse(lz);
  std::vector<double> mix(size_t(sp.steps()) * sp.symbols(), 0.0);
  for (size_t o = 0; o < runs.size(); ++o)
    for (size_t i = 0; i < mix.size(); ++i) mix[i] += std::exp(lz[o] - total) * runs[o].marginals[i];
  return entropy_bits(mix, sp.steps(), sp.symbols());
}

}  // namespace

TEST(LayerMap, FlipsAndErrorMatchPerTileLoopsOverThePaths) {
  const uint64_t seed = trellis::ref::fresh_seed() % 1000000;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const LinearState s = small_linear("tailbiting", seed);
  LayerMapOptions o;
  o.chunk = 4;  // 6 tiles: two chunks
  o.metric = LayerMapMetric::Flips;
  const LayerMap flips = layer_map(s, o);
  o.metric = LayerMapMetric::QuantisationError;
  const LayerMap error = layer_map(s, o);
  ASSERT_EQ(flips.tile_rows, 2);
  ASSERT_EQ(flips.tile_cols, 3);
  ASSERT_EQ(flips.values.size(), 6u);
  // The reference: the hard path of the whole weight at once, walked tile by tile and step by step.
  const auto now = harden(s.q, s.code, s.w).contiguous();
  const auto ptq = s.q.states.contiguous();
  const auto fp = normalised_tiles(s.q.rht(), s.q.scale, s.w_fp).contiguous();
  const int N = s.code.spec.steps(), V = s.code.spec.V;
  int64_t total_flips = 0;
  for (int64_t tile = 0; tile < 6; ++tile) {
    int64_t f = 0;
    double e = 0;
    for (int t = 0; t < N; ++t) {
      const int32_t state = now.data_ptr<int32_t>()[tile * N + t];
      f += state != ptq.data_ptr<int32_t>()[tile * N + t];
      for (int v = 0; v < V; ++v) {
        const double d = double(s.code.codebook->table[size_t(state) * V + v]) - fp.data_ptr<float>()[tile * 256 + t * V + v];
        e += d * d;
      }
    }
    total_flips += f;
    EXPECT_EQ(flips.values[size_t(tile)], double(f)) << "tile " << tile;
    EXPECT_NEAR(error.values[size_t(tile)], e / 256, 1e-6 * (1 + e / 256)) << "tile " << tile;
  }
  EXPECT_GT(total_flips, 0) << "the test weight must move some paths";
  // The tile index is the one tiles.h defines: (i/16) * (cols/16) + j/16.
  EXPECT_EQ(tile_index(17, 40, 48), 5);
  EXPECT_EQ(flips.argmax(), int64_t(std::max_element(flips.values.begin(), flips.values.end()) - flips.values.begin()));
}

TEST(LayerMap, EntropyMatchesTheDoubleForwardBackward) {
  const uint64_t seed = trellis::ref::fresh_seed() % 1000000;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const char* boundary : {"free", "tailbiting"}) {
    SCOPED_TRACE(boundary);
    const LinearState s = small_linear(boundary, seed);
    LayerMapOptions o;
    o.metric = LayerMapMetric::Entropy;
    o.T = 0.03;
    o.chunk = 5;
    const LayerMap m = layer_map(s, o);
    EXPECT_EQ(m.T, 0.03);
    const auto tiles = normalised_tiles(s.q.rht(), s.q.scale, s.w).contiguous();
    for (int64_t tile = 0; tile < 6; ++tile) {
      std::vector<double> w(256);
      for (int i = 0; i < 256; ++i) w[size_t(i)] = tiles.data_ptr<float>()[tile * 256 + i];
      const double ref = reference_entropy(s.code, w, o.T);
      EXPECT_NEAR(m.values[size_t(tile)], ref, 1e-4) << "tile " << tile;
      EXPECT_GE(m.values[size_t(tile)], -1e-9);
      EXPECT_LE(m.values[size_t(tile)], s.code.spec.kv() + 1e-9);
    }
  }
}

namespace {
struct StopAfter : ProgressReporter {
  int left;
  explicit StopAfter(int n) : left(n) {}
  bool report(const ProgressEvent&) override { return --left > 0; }
};
}  // namespace

TEST(LayerMap, StopsWhenCancelledAndNamesBadInput) {
  LinearState s = small_linear("tailbiting", 7);
  std::atomic<bool> cancel{true};
  LayerMapOptions o;
  o.metric = LayerMapMetric::Entropy;
  o.cancel = &cancel;
  EXPECT_THROW(layer_map(s, o), Cancelled);
  StopAfter stop(1);
  o.cancel = nullptr;
  o.progress = &stop;
  o.chunk = 1;
  EXPECT_THROW(layer_map(s, o), Cancelled);
  o.progress = nullptr;
  o.T = 0;
  EXPECT_THROW(layer_map(s, o), bcjr::Error);
  s.w = torch::zeros({16, 48});
  o.metric = LayerMapMetric::Flips;
  try {
    layer_map(s, o);
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 3 q_proj"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_layer_map_metric("heat"), bcjr::Error);
}

TEST(LayerMap, ReadsALinearFromARunFolderAtEachStage) {
  bcjr::test::TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 1);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 256, 64, 2);
  auto c = bcjr::test::tiny_qat_run(model, tokens);
  c.steps = 2;
  c.lr = 5e-2;
  c.lr_units = "normalised";
  c.eval_before_after = false;
  // Stopped after its first step: W_latent from the step checkpoint.
  {
    auto s = QatSession::create(c, dir.file("run"));
    std::atomic<int> steps{0};
    s->set_metrics_callback([&](const StepMetrics&) {
      if (++steps == 1) s->cancel();
    });
    EXPECT_THROW(s->run(), Cancelled);
  }
  LinearState mid = linear_state_from_run(dir.file("run"), 0, "gate_proj");
  EXPECT_EQ(mid.what, "W_latent at step_000001");
  torch::serialize::InputArchive a;
  archive_load_file(a, RunFolder::open(dir.file("run")).latest_checkpoint());
  torch::Tensor latent;
  ASSERT_TRUE(a.try_read("latent.0.gate_proj", latent));
  EXPECT_TRUE(torch::equal(mid.w, latent));
  EXPECT_EQ(mid.q.rows, 64);
  EXPECT_EQ(mid.q.cols, 32);
  // The unquantised weight is the model's own.
  auto fp = bcjr::model::load_model(model).tensors.at("model.layers.0.mlp.gate_proj.weight");
  EXPECT_TRUE(torch::equal(mid.w_fp, fp));
  LayerMapOptions o;
  o.metric = LayerMapMetric::QuantisationError;
  auto m = layer_map(mid, o);
  EXPECT_EQ(m.tile_rows, 4);
  EXPECT_EQ(m.tile_cols, 2);
  // Finished: the final hardened paths.
  QatSession::resume(dir.file("run"))->run();
  LinearState done = linear_state_from_run(dir.file("run"), 0, "gate_proj");
  EXPECT_EQ(done.what, "hardened, final");
  auto hardened = load_quantized_linears(dir.file("run/snapshots/quantized.ckpt"), nullptr);
  EXPECT_TRUE(torch::allclose(done.w, dequantize(hardened.at({0, "gate_proj"}), done.code)));
  o.metric = LayerMapMetric::Flips;
  auto f = layer_map(done, o);
  const auto expected = count_flips(hardened.at({0, "gate_proj"}).states, done.q.states);
  double sum = 0;
  for (double v : f.values) sum += v;
  EXPECT_EQ(int64_t(sum), expected.steps);
  try {
    linear_state_from_run(dir.file("run"), 1, "q_proj");
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 1 q_proj is not a quantised linear"), std::string::npos) << e.what();
  }
}
