// Per-phase temperature schedules of the multi-layer modes: configuration, validation, JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/quant/qat_config.h"

using bcjr::quant::QatConfig;
using bcjr::quant::TemperatureSchedule;

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
