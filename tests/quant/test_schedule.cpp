// Temperature schedules: the formulas, the presets, JSON round trips and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/schedule.h"
#include "tests/support/test_support.h"

using bcjr::quant::TemperatureSchedule;

TEST(Schedule, ExponentialMatchesThePaperFormula) {
  auto s = TemperatureSchedule::preset("skip-high-T");
  const int64_t n = 10;
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(s.at(i, n), 0.3 * std::pow(0.05 / 0.3, i / 9.0), 1e-12) << i;
  EXPECT_NEAR(s.at(0, n), 0.3, 1e-12);
  EXPECT_NEAR(s.at(9, n), 0.05, 1e-12);
  auto naive = TemperatureSchedule::preset("naive");
  EXPECT_NEAR(naive.at(0, n), 1.0, 1e-12);
  EXPECT_NEAR(naive.at(9, n), 0.05, 1e-12);
  EXPECT_NEAR(s.at(0, 1), 0.3, 1e-12);  // a one-step run sits at T0
  EXPECT_THROW(s.at(10, n), bcjr::Error);
}

TEST(Schedule, CosineLinearConstantAndPoints) {
  auto c = TemperatureSchedule::cosine(1.0, 0.2);
  EXPECT_NEAR(c.at(0, 5), 1.0, 1e-12);
  EXPECT_NEAR(c.at(2, 5), 0.6, 1e-12);
  EXPECT_NEAR(c.at(4, 5), 0.2, 1e-12);
  EXPECT_NEAR(c.at(1, 5), 0.2 + 0.8 * 0.5 * (1 + std::cos(M_PI / 4)), 1e-12);
  auto l = TemperatureSchedule::linear(1.0, 0.2);
  EXPECT_NEAR(l.at(1, 5), 0.8, 1e-12);
  EXPECT_NEAR(TemperatureSchedule::constant(0.1).at(3, 5), 0.1, 1e-12);
  auto p = TemperatureSchedule::points({{0, 0.5}, {2, 0.1}, {6, 0.05}});
  EXPECT_NEAR(p.at(0, 10), 0.5, 1e-12);
  EXPECT_NEAR(p.at(1, 10), 0.3, 1e-12);
  EXPECT_NEAR(p.at(4, 10), 0.075, 1e-12);
  EXPECT_NEAR(p.at(9, 10), 0.05, 1e-12);
}

TEST(Schedule, JsonRoundTrip) {
  for (const auto& s : {TemperatureSchedule::preset("naive"), TemperatureSchedule::cosine(0.7, 0.01),
                        TemperatureSchedule::linear(0.4, 0.3), TemperatureSchedule::constant(0.2),
                        TemperatureSchedule::points({{0, 0.3}, {3.5, 0.2}, {9, 0.05}})}) {
    auto text = s.to_json().dump();
    auto back = TemperatureSchedule::parse(text);
    EXPECT_TRUE(back == s) << text;
    for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(back.at(i, 10), s.at(i, 10));
  }
  bcjr::test::TempDir dir;
  bcjr::write_file_atomic(dir.file("s.json"), R"({"kind": "points", "points": [[0, 1.0], [4, 0.1]]})");
  auto f = TemperatureSchedule::parse(dir.file("s.json"));
  EXPECT_NEAR(f.at(2, 5), 0.55, 1e-12);
  EXPECT_TRUE(TemperatureSchedule::parse(R"({"kind": "preset", "name": "skip-high-T"})") ==
              TemperatureSchedule::preset("skip-high-T"));
}

TEST(Schedule, BadInputIsAnError) {
  EXPECT_THROW(TemperatureSchedule::preset("fast"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("no-such-file.json"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("{\"kind\": \"exponential\", \"t0\": 0.3}"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("{\"kind\": \"exponential\", \"t0\": 0.3, \"tmin\": -1}"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("{\"kind\": \"points\", \"points\": [[2, 0.3], [1, 0.2]]}"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("{\"kind\": \"points\", \"points\": []}"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("{\"kind\": \"spiral\"}"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse("{not json"), bcjr::Error);
  try {
    TemperatureSchedule::parse("{\"kind\": \"cosine\", \"tmin\": 0.1}");
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("t0"), std::string::npos) << e.what();
  }
}

TEST(Schedule, PointsJoinedInLogTAreTheExponential) {
  // The studio's editor draws an exponential as two points joined in log T: the engine must give
  // the same temperatures as its own exponential at every step.
  using I = TemperatureSchedule::Interpolation;
  auto two = TemperatureSchedule::points({{0, 0.3}, {9, 0.05}}, I::Log);
  auto exp = TemperatureSchedule::exponential(0.3, 0.05);
  for (int64_t i = 0; i < 10; ++i) EXPECT_NEAR(two.at(i, 10), exp.at(i, 10), 1e-12) << i;
  auto three = TemperatureSchedule::points({{0, 1.0}, {2, 0.01}, {4, 0.1}}, I::Log);
  EXPECT_NEAR(three.at(1, 5), 0.1, 1e-12);
  EXPECT_NEAR(three.at(3, 5), std::sqrt(0.01 * 0.1), 1e-12);
  EXPECT_FALSE(three == TemperatureSchedule::points({{0, 1.0}, {2, 0.01}, {4, 0.1}}));
  auto back = TemperatureSchedule::parse(three.to_json().dump());
  EXPECT_TRUE(back == three) << three.to_json().dump();
  EXPECT_EQ(back.interpolation(), I::Log);
  EXPECT_EQ(TemperatureSchedule::parse(R"({"kind": "points", "points": [[0, 1]]})").interpolation(), I::Linear);
  EXPECT_THROW(TemperatureSchedule::parse(R"({"kind": "points", "interpolation": "cubic", "points": [[0, 1]]})"),
               bcjr::Error);
}

TEST(Schedule, PerPhaseListsFromPresetsJsonAndFiles) {
  auto presets = TemperatureSchedule::parse_list("skip-high-T,naive");
  ASSERT_EQ(presets.size(), 2u);
  EXPECT_TRUE(presets[1] == TemperatureSchedule::preset("naive"));
  auto inline_json = TemperatureSchedule::parse_list(R"([{"kind": "constant", "t": 0.2}, {"kind": "preset", "name": "naive"}])");
  ASSERT_EQ(inline_json.size(), 2u);
  EXPECT_EQ(inline_json[0].at(3, 5), 0.2);
  bcjr::test::TempDir dir;
  bcjr::write_file_atomic(dir.file("p.json"), R"([{"kind": "linear", "t0": 0.5, "tmin": 0.1}])");
  auto f = TemperatureSchedule::parse_list(dir.file("p.json"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NEAR(f[0].at(2, 5), 0.3, 1e-12);
  bcjr::write_file_atomic(dir.file("bad.json"), R"([{"kind": "linear", "t0": 0.5}])");
  try {
    TemperatureSchedule::parse_list(dir.file("bad.json"));
    FAIL();
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json [0]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TemperatureSchedule::parse_list("[]"), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::parse_list("skip-high-T,fast"), bcjr::Error);
}
