// Per-phase temperature schedules of the multi-layer modes: configuration, validation, JSON.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/quant/layer_map.h"
#include "engine/quant/qat_checkpoint.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/run_folder.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr;
using namespace bcjr::quant;

namespace {
QatConfig two_layer(const std::string& mode) {
  QatConfig c;
  c.layers = {1, 3};
  c.multi_layer = mode;
  return c;
}
}  // namespace

TEST(PhaseSchedules, ConfigRoundTripsAndPicksThePhasesSchedule) {
  QatConfig c = two_layer("independent");
  c.phase_schedules = {TemperatureSchedule::constant(0.2), TemperatureSchedule::preset("naive")};
  c.validate();
  EXPECT_EQ(c.phase_count(), 2);
  EXPECT_EQ(c.phase_schedule(0).at(0, 10), 0.2);
  EXPECT_TRUE(c.phase_schedule(1) == TemperatureSchedule::preset("naive"));
  EXPECT_THROW(c.phase_schedule(2), bcjr::Error);
  auto back = QatConfig::from_json(c.to_json(), "test");
  ASSERT_EQ(back.phase_schedules.size(), 2u);
  EXPECT_TRUE(back.phase_schedules[0] == c.phase_schedules[0]);
  EXPECT_TRUE(back.phase_schedules[1] == c.phase_schedules[1]);
  // Without per-phase schedules every phase takes the run's schedule.
  QatConfig plain = two_layer("greedy");
  plain.schedule = TemperatureSchedule::constant(0.07);
  EXPECT_EQ(plain.phase_schedule(1).at(0, 10), 0.07);
  EXPECT_EQ(QatConfig::from_json(plain.to_json(), "test").phase_schedules.size(), 0u);
}

TEST(PhaseSchedules, BadConfigurationsNameTheProblem) {
  QatConfig joint = two_layer("joint");
  joint.phase_schedules = {TemperatureSchedule::constant(0.2), TemperatureSchedule::constant(0.1)};
  try {
    joint.validate();
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("joint"), std::string::npos) << e.what();
  }
  QatConfig short_list = two_layer("independent");
  short_list.phase_schedules = {TemperatureSchedule::constant(0.2)};
  try {
    short_list.validate();
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("1 per-phase schedules for 2 layers"), std::string::npos) << e.what();
  }
  auto j = two_layer("greedy").to_json();
  j["phase_schedules"] = {{{"kind", "constant"}, {"t", 0.2}}, {{"kind", "cosine"}, {"t0", 0.2}}};
  try {
    QatConfig::from_json(j, "run.json");
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("phase_schedules[1]"), std::string::npos) << e.what();
  }
  j["phase_schedules"] = "naive";
  EXPECT_THROW(QatConfig::from_json(j, "run.json"), bcjr::Error);
}

namespace {
// Two layers trained one per phase, two steps each, with a constant schedule per phase.
QatConfig two_phase_run(const bcjr::test::TempDir& dir) {
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 5);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 200, 64, 6);
  QatConfig c = bcjr::test::tiny_qat_run(model, tokens);
  c.layers = {1, 0};
  c.multi_layer = "independent";
  c.steps = 2;
  c.eval_before_after = false;
  c.lr = 5e-2;
  c.lr_units = "normalised";
  c.phase_schedules = {TemperatureSchedule::constant(0.2), TemperatureSchedule::constant(0.05)};
  return c;
}

std::vector<StepMetrics> run_all(QatSession& s) {
  std::vector<StepMetrics> seen;
  s.set_metrics_callback([&](const StepMetrics& m) { seen.push_back(m); });
  s.run();
  return seen;
}
}  // namespace

TEST(PhaseSchedules, TheTrainerFollowsEachPhasesScheduleAndItsEdits) {
  bcjr::test::TempDir dir;
  QatConfig c = two_phase_run(dir);
  auto s = QatSession::create(c, dir.file("run"));
  std::vector<std::vector<TemperatureSchedule>> started;
  s->set_schedules_callback([&](const std::vector<TemperatureSchedule>& v) { started.push_back(v); });
  std::vector<StepMetrics> seen;
  s->set_metrics_callback([&](const StepMetrics& m) {
    seen.push_back(m);
    // During the first phase, the second phase's schedule is edited: it applies when that phase runs.
    if (m.step == 0) s->replace_phase_schedule(1, TemperatureSchedule::constant(0.07));
  });
  s->run();
  ASSERT_EQ(seen.size(), 4u);
  ASSERT_EQ(started.size(), 1u);
  ASSERT_EQ(started[0].size(), 2u);
  EXPECT_TRUE(started[0][1] == TemperatureSchedule::constant(0.05));
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(seen[size_t(i)].T, 0.2) << i;
  for (int i = 2; i < 4; ++i) EXPECT_DOUBLE_EQ(seen[size_t(i)].T, 0.07) << i;
  EXPECT_THROW(s->replace_phase_schedule(2, TemperatureSchedule::constant(0.1)), bcjr::Error);
  // The checkpoint holds every phase's schedule in force.
  QatCheckpointReader last(RunFolder::open(dir.file("run")).latest_checkpoint());
  ASSERT_EQ(last.phase_schedules().size(), 2u);
  EXPECT_TRUE(last.phase_schedules()[1] == TemperatureSchedule::constant(0.07));
}

TEST(PhaseSchedules, AResumedRunKeepsTheEditedScheduleAndEqualsAnUninterruptedOne) {
  bcjr::test::TempDir dir;
  QatConfig c = two_phase_run(dir);
  // Uninterrupted, with the second phase's schedule edited before training.
  auto whole = QatSession::create(c, dir.file("whole"));
  whole->replace_phase_schedule(1, TemperatureSchedule::constant(0.07));
  const auto a = run_all(*whole);
  // The same, stopped after the second phase's first step and resumed.
  {
    auto s = QatSession::create(c, dir.file("parts"));
    s->replace_phase_schedule(1, TemperatureSchedule::constant(0.07));
    s->set_metrics_callback([&](const StepMetrics& m) {
      if (m.step == 2) s->cancel();
    });
    EXPECT_THROW(s->run(), Cancelled);
  }
  auto resumed = QatSession::resume(dir.file("parts"));
  std::vector<TemperatureSchedule> in_force;
  resumed->set_schedules_callback([&](const std::vector<TemperatureSchedule>& v) { in_force = v; });
  const auto b = run_all(*resumed);
  ASSERT_EQ(in_force.size(), 2u);
  EXPECT_TRUE(in_force[1] == TemperatureSchedule::constant(0.07));  // from the checkpoint, not run.json
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].step, a[3].step);
  EXPECT_DOUBLE_EQ(b[0].T, 0.07);
  EXPECT_EQ(b[0].kl, a[3].kl);  // bit for bit, as resume promises
}

TEST(PhaseSchedules, TheLiveRunGivesTheLayerMapItsLinear) {
  bcjr::test::TempDir dir;
  QatConfig c = two_phase_run(dir);
  auto s = QatSession::create(c, dir.file("run"));
  EXPECT_THROW(s->linear_state(1, "q_proj"), bcjr::Error);  // not training yet
  std::vector<LinearState> states;
  s->set_metrics_callback([&](const StepMetrics& m) {
    if (m.step == 1) states.push_back(s->linear_state(1, "q_proj"));  // layer 1 trains in phase 0
  });
  s->run();
  ASSERT_EQ(states.size(), 1u);
  const LinearState& st = states[0];
  EXPECT_EQ(st.what, "W_latent, training");
  EXPECT_EQ(st.w.sizes(), st.w_fp.sizes());
  LayerMapOptions o;
  o.metric = LayerMapMetric::QuantisationError;
  auto m = layer_map(st, o);
  EXPECT_EQ(m.tile_rows * m.tile_cols, st.q.tiles());
  for (double v : m.values) EXPECT_GT(v, 0);
  EXPECT_THROW(s->linear_state(5, "q_proj"), bcjr::Error);  // the run is over: no trainer
}
