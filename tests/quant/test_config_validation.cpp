// Configuration files and options are checked before any work starts (docs/RELIABILITY.md): an
// unknown or misspelt key is refused with the key named (it used to be ignored silently, leaving
// its setting at the default), a value of the wrong type names its key, and invalid settings
// (T <= 0 or not finite, L out of range, layers the model does not have) are refused by the
// engine, `bcjr train` and the studio's shared check alike, leaving no run folder behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/qat_config.h"
#include "engine/quant/qat_config_check.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/schedule.h"
#include "tests/quant/tiny_model.h"
#include "tests/support/test_support.h"

using namespace bcjr::quant;
using bcjr::test::TempDir;
using nlohmann::json;

namespace {

// The message QatConfig::from_json gives for `j`, or "" if it accepts it.
std::string refusal(const json& j) {
  try {
    QatConfig::from_json(j, "cfg.json");
  } catch (const bcjr::Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_REFUSED(j, text)                                             \
  do {                                                                      \
    const std::string m_ = refusal(j);                                      \
    EXPECT_NE(m_.find(text), std::string::npos) << "message: '" << m_ << "'"; \
    EXPECT_EQ(m_.rfind("cfg.json", 0), 0u) << "does not name the file: " << m_; \
  } while (0)

}  // namespace

TEST(ConfigValidation, EveryKeyWrittenIsReadBackAndNothingElseIsAccepted) {
  QatConfig c;
  c.steps = 7;
  c.layers = {2, 5};
  c.schedule = TemperatureSchedule::cosine(0.5, 0.02);
  EXPECT_EQ(QatConfig::from_json(c.to_json(), "x").to_json(), c.to_json());
  EXPECT_EQ(refusal(json::object()), "");
  // The methods' keys (issue 14): method, and jacquant's options under "jacquant".
  c.method = QatMethod::JacQuant;
  c.jacquant.probes = 3;
  EXPECT_EQ(QatConfig::from_json(c.to_json(), "x").to_json(), c.to_json());
  EXPECT_EQ(refusal(json({{"method", "ste"}})), "");
}

TEST(ConfigValidation, UnknownOrMisspeltKeysAreRefusedNamingTheKey) {
  EXPECT_REFUSED(json({{"stpes", 3}}), "unknown key \"stpes\" (did you mean \"steps\"?)");
  EXPECT_REFUSED(json({{"learning_rate", 0.1}}), "unknown key \"learning_rate\"");
  EXPECT_REFUSED(json({{"quant", {{"l", 8}}}}), "unknown key \"l\" (did you mean \"L\"?)");
  EXPECT_REFUSED(json({{"schedule", {{"kind", "exponential"}, {"t0", 0.3}, {"tmin", 0.05}, {"tmax", 1}}}}),
                 "unknown key \"tmax\" (did you mean \"tmin\"?)");
  EXPECT_REFUSED(json({{"schedule", {{"kind", "constant"}, {"t", 0.3}, {"t0", 0.3}}}}), "unknown key \"t0\"");
  EXPECT_REFUSED(json({{"methd", "ste"}}), "unknown key \"methd\" (did you mean \"method\"?)");
  EXPECT_REFUSED(json({{"method", "jacquant"}, {"jacquant", {{"dither", 2}}}}),
                 "cfg.json jacquant: unknown key \"dither\" (did you mean \"dithers\"?)");
}

TEST(ConfigValidation, WrongTypesNameTheirKey) {
  EXPECT_REFUSED(json({{"steps", "3"}}), "\"steps\" must be an integer");
  EXPECT_REFUSED(json({{"steps", 2.5}}), "\"steps\" must be an integer");
  EXPECT_REFUSED(json({{"lr", "fast"}}), "\"lr\" must be a number");
  EXPECT_REFUSED(json({{"seed", -1}}), "\"seed\" = -1 is out of range");
  EXPECT_REFUSED(json({{"eval_before_after", 1}}), "\"eval_before_after\" must be true or false");
  EXPECT_REFUSED(json({{"layers", {1, "two"}}}), "\"layers\" must be a list of layer numbers");
  EXPECT_REFUSED(json({{"quant", {{"L", 1e10}}}}), "\"L\" must be an integer");
  EXPECT_REFUSED(json({{"method", 3}}), "\"method\" must be a string");
  EXPECT_REFUSED(json({{"method", "lsq"}}), "\"method\" 'lsq' (expected bcjr, ste, jacquant, bbq or rtn)");
  EXPECT_REFUSED(json({{"method", "jacquant"}, {"jacquant", {{"probes", "two"}}}}), "\"probes\" must be an integer");
}

TEST(ConfigValidation, InvalidSettingsAreRefusedBeforeAnyWork) {
  EXPECT_REFUSED(json({{"schedule", {{"kind", "constant"}, {"t", 0}}}}), "temperatures must be finite and > 0");
  EXPECT_REFUSED(json({{"schedule", {{"kind", "exponential"}, {"t0", -0.3}, {"tmin", 0.05}}}}), "finite and > 0");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_REFUSED(json({{"schedule", {{"kind", "constant"}, {"t", inf}}}}), "finite and > 0");
  EXPECT_REFUSED(json({{"schedule", {{"kind", "points"}, {"points", {{0, 0.3}, {5, -1}}}}}}), "must be finite and > 0");
  EXPECT_REFUSED(json({{"quant", {{"L", 20}}}}), "L = 20 is outside 2..16");
  EXPECT_REFUSED(json({{"quant", {{"V", 1}}}}), "code hyb has V = 2");
  EXPECT_REFUSED(json({{"quant", {{"code", "2mad"}}}}), "--code '2mad'");
  EXPECT_REFUSED(json({{"steps", -1}}), "--steps -1 must be >= 0");
  EXPECT_REFUSED(json({{"clip", inf}}), "--clip inf must be finite");
  EXPECT_REFUSED(json({{"layers", {4, 4}}}), "layer 4 is listed twice");
  EXPECT_THROW(TemperatureSchedule::constant(0), bcjr::Error);
  EXPECT_THROW(TemperatureSchedule::points({{0, 0.3}, {1, std::nan("")}}), bcjr::Error);
}

TEST(ConfigValidation, LayersTheModelDoesNotHaveAreRefusedAndNoRunFolderIsMade) {
  TempDir dir;
  auto model = bcjr::test::write_tiny_llama(dir.file("model"), 1);
  auto tokens = bcjr::test::write_token_ids(dir.file("tokens.npy"), 64, 64, 2);
  QatConfig c = bcjr::test::tiny_qat_run(model, tokens);
  c.layers = {1, 2};
  try {
    validate_for_model(c);
    FAIL() << "layer 2 of a 2-layer model was accepted";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("QAT: layer 2 does not exist (" + model + " has 2 layers, 0..1)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(QatSession::create(c, dir.file("run")), bcjr::Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("run")));
  c.layers = {1};
  EXPECT_NO_THROW(validate_for_model(c));
}

TEST(ConfigValidation, TrainCommandRefusesAMisspeltConfigKeyBeforeCreatingTheRun) {
  TempDir dir;
  const std::string cfg = dir.file("cfg.json");
  bcjr::write_file_atomic(cfg, R"({"steps": 2, "shedule": {"kind": "constant", "t": 0.1}})");
  auto r = bcjr::test::run_command(bcjr::test::bcjr_program() + " train --config " + cfg + " --out " +
                                   dir.file("run") + " 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find(cfg + ": unknown key \"shedule\" (did you mean \"schedule\"?)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("run")));
  // A run.json is a configuration file too: its "config" is read, strictly.
  bcjr::write_file_atomic(cfg, R"({"kind": "bcjr-qat", "config": {"layer": [3]}, "build": {}})");
  r = bcjr::test::run_command(bcjr::test::bcjr_program() + " train --config " + cfg + " --out " + dir.file("run") +
                              " 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("unknown key \"layer\" (did you mean \"layers\"?)"), std::string::npos) << r.out;
}

TEST(ConfigValidation, TrainCommandRefusesBadOptionsBeforeAnyWork) {
  TempDir dir;
  const std::string bcjr = bcjr::test::bcjr_program();
  auto r = bcjr::test::run_command(bcjr + " train --out " + dir.file("a") + " --layers 30 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("layer 30 does not exist"), std::string::npos) << r.out;
  r = bcjr::test::run_command(bcjr + " train --out " + dir.file("a") + " --L 17 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("L = 17 is outside 2..16"), std::string::npos) << r.out;
  r = bcjr::test::run_command(bcjr + " train --out " + dir.file("a") + " --schedule '{\"kind\":\"constant\",\"t\":0}' 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("must be finite and > 0"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("a")));
}
