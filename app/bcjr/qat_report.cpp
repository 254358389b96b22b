#include "app/bcjr/qat_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.h"

namespace bcjr::cli {

void print_step(const quant::StepMetrics& m, int64_t total) {
  int64_t flips = 0, steps = 0, touched = 0, tiles = 0, slope_tiles = 0;
  double drift = 0, radius = 0, slope_sum = 0;
  bool counted = false;
  for (const auto& l : m.linears) {
    if (!l.slopes.hist.empty()) {  // JacQuant: the tile-weighted mean slope b_g
      slope_sum += l.slopes.mean * double(l.tiles);
      slope_tiles += l.tiles;
    }
    if (l.flips >= 0) {
      counted = true;
      flips += l.flips;
      touched += l.tiles_touched;
    }
    steps += l.trellis_steps;
    tiles += l.tiles;
    drift = std::max(drift, l.drift_rms);
    radius = std::max(radius, l.radius);
  }
  std::fprintf(stderr, "\nstep %lld/%lld  T %.4f  KL %.6f  grad %.4f  drift(max rms) %.3e  r %.3e", (long long)(m.step + 1),
               (long long)total, m.T, m.kl, m.grad_norm, drift, radius);
  if (counted)
    std::fprintf(stderr, "  flips %lld/%lld steps in %lld/%lld tiles", (long long)flips, (long long)steps,
                 (long long)touched, (long long)tiles);
  if (slope_tiles > 0) std::fprintf(stderr, "  b_g mean %.3f", slope_sum / double(slope_tiles));
  if (m.eval_ppl > 0) std::fprintf(stderr, "  ppl %.4f", m.eval_ppl);
  std::fprintf(stderr, "  %.1fs  %.0f MB\n", m.seconds, m.peak_rss_mb);
}

void print_run_summary(const std::string& run_dir) {
  auto j = nlohmann::json::parse(read_file(run_dir + "/results.json"));
  const std::string method = j.value("method", std::string("bcjr"));
  const bool scalar = method == "bbq" || method == "rtn";  // codes and rows rather than trellis steps and tiles
  std::printf("run %s (method %s)\n", run_dir.c_str(), method.c_str());
  for (const auto& p : j.value("ptq", nlohmann::json::array()))
    std::printf("  PTQ layer %lld %-9s mse %.4e  normalised mse %.4f  proxy error %.4e  (%s)\n",
                (long long)p["layer"].get<int64_t>(), p["linear"].get<std::string>().c_str(), p["mse"].get<double>(),
                p["normalised_mse"].get<double>(), p["proxy_error"].get<double>(), p["method"].get<std::string>().c_str());
  for (const auto& p : j.value("qat", nlohmann::json::array()))
    std::printf("  QAT layer %lld %-9s mse %.4e  changes vs PTQ %lld %s in %lld %s\n",
                (long long)p["layer"].get<int64_t>(), p["linear"].get<std::string>().c_str(), p["mse"].get<double>(),
                (long long)p["flips"].get<int64_t>(), scalar ? "codes" : "trellis steps",
                (long long)p["tiles_touched"].get<int64_t>(), scalar ? "rows" : "tiles");
  const auto& pr = j["protocol"];
  for (const auto& p : j.value("perplexity", nlohmann::json::array()))
    std::printf("  perplexity %-4s %.4f  (%s, ctx %lld, %lld windows, %lld tokens, %s, %s)\n",
                p["label"].get<std::string>().c_str(), p["ppl"].get<double>(), pr["data"].get<std::string>().c_str(),
                (long long)p["ctx"].get<int64_t>(), (long long)p["windows"].get<int64_t>(),
                (long long)p["tokens"].get<int64_t>(), pr["bos_policy"].get<std::string>().c_str(),
                p.value("dtype", pr.value("dtype", std::string("dtype not recorded"))).c_str());
}

}  // namespace bcjr::cli
