// `bcjr posterior`: the studio's posterior view and thermodynamics as JSON, equal to the engine's
// tile service on the same tile, and its one-line errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"
#include "engine/core/npy_tensor.h"
#include "engine/physics/tile_posterior_view.h"
#include "tests/support/test_support.h"

using bcjr::test::bcjr_program;
using bcjr::test::run_command;
using bcjr::test::TempDir;

TEST(CliPosterior, WritesTheEnginesViewOfATileAndItsThermodynamics) {
  TempDir dir;
  torch::manual_seed(4);
  auto w = torch::randn({3, 64}) * 0.5;
  bcjr::save_npy_tensor(dir.file("w.npy"), w);
  const std::string base = bcjr_program() + " posterior --L 8 --k 2 --V 1 --code 1mad --boundary tailbiting ";
  auto r = run_command(base + "--T 0.2 --in " + dir.file("w.npy") + " --tile 2 --out " + dir.file("view.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(bcjr::read_file(dir.file("view.json")));
  bcjr::physics::TileProblem p;
  p.spec = bcjr::trellis::TrellisSpec{8, 2, 1, 64};
  p.codebook = std::make_shared<const bcjr::trellis::Codebook>(bcjr::trellis::make_codebook("1mad", 8, 1));
  p.boundary = bcjr::trellis::Boundary::TailBiting;
  p.weights.assign(w[2].data_ptr<float>(), w[2].data_ptr<float>() + 64);
  auto v = bcjr::physics::tile_posterior_view(p, 0.2);
  EXPECT_EQ(j.at("method").get<std::string>(), "tailbiting-exact");
  EXPECT_EQ(j.at("marginals").get<std::vector<float>>(), v.marginals);
  EXPECT_EQ(j.at("viterbi_symbols").get<std::vector<int>>(), v.viterbi_symbols);
  EXPECT_EQ(j.at("target").get<std::vector<float>>(), p.weights);
  EXPECT_NEAR(j.at("log_z").get<double>(), v.log_z, 1e-9 * std::abs(v.log_z));

  r = run_command(base + "--temperatures 0.01,0.1,1 --gaussian 3 --n 64 --out " + dir.file("thermo.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  j = nlohmann::json::parse(bcjr::read_file(dir.file("thermo.json")));
  ASSERT_EQ(j.at("temperature").size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_LE(j["free_energy"][i].get<double>(), j["energy"][i].get<double>() + 1e-6);
  EXPECT_NE(r.out.find("F = -T log Z"), std::string::npos) << r.out;
}

TEST(CliPosterior, BadOptionsAreOneLineErrors) {
  TempDir dir;
  const std::string base = bcjr_program() + " posterior --L 8 --k 2 --V 1 --code 1mad --boundary tailbiting ";
  auto r = run_command(base + "--gaussian 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--T and --temperatures"), std::string::npos) << r.out;
  r = run_command(base + "--T 0.1");
  EXPECT_NE(r.out.find("--in and --gaussian"), std::string::npos) << r.out;
  r = run_command(base + "--temperatures 0.1,x --gaussian 1");
  EXPECT_NE(r.out.find("'x' is not a positive number"), std::string::npos) << r.out;
  r = run_command(base + "--T 0.1 --in " + dir.file("missing.npy"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("missing.npy"), std::string::npos) << r.out;
}
