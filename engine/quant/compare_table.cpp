#include "engine/quant/compare_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "engine/core/error.h"

namespace bcjr::quant {
namespace {

std::string num(double v, const char* fmt) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

// "" for a figure not measured (-1, or NaN for a difference of missing figures).
bool missing(double v) { return v == -1 || std::isnan(v); }
std::string fig(double v, const char* fmt) { return missing(v) ? std::string() : num(v, fmt); }

struct Stats {
  double mean = 0, sd = 0;
  int n = 0;
};

Stats stats(const std::vector<double>& v) {
  Stats s;
  s.n = int(v.size());
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= double(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / double(v.size() - 1));
  }
  return s;
}

std::string mean_sd(const std::vector<double>& v, const char* fmt) {
  if (v.empty()) return "";
  Stats s = stats(v);
  std::string out = num(s.mean, fmt);
  if (s.n > 1) out += " +- " + num(s.sd, fmt);
  return out;
}

struct Group {
  std::string method, role;
  double lr = 0;
  std::vector<const CompareRow*> rows;
};

std::vector<Group> summary_groups(const std::vector<CompareRow>& rows) {
  std::vector<Group> groups;
  for (const auto& r : rows) {
    if (r.role == "tuning") continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.method == r.method && g.role == r.role && g.lr == r.lr; });
    if (it == groups.end()) {
      groups.push_back({r.method, r.role, r.lr, {}});
      it = groups.end() - 1;
    }
    it->rows.push_back(&r);
  }
  return groups;
}

template <class F>
std::vector<double> collect(const Group& g, F f) {
  std::vector<double> v;
  for (const CompareRow* r : g.rows) {
    const double x = f(*r);
    if (!missing(x)) v.push_back(x);
  }
  return v;
}

double delta(const CompareRow& r) { return r.ppl_qat > 0 && r.ppl_ptq > 0 ? r.ppl_qat - r.ppl_ptq : std::nan(""); }

// The line naming the best method of a role by mean QAT perplexity, and its margin over the next
// method (a different one) and over its own PTQ.
std::string winner_line(const std::vector<Group>& groups, const std::string& role) {
  std::vector<std::pair<double, const Group*>> best;  // best group per method
  std::map<std::string, std::pair<double, const Group*>> per_method;
  for (const auto& g : groups) {
    if (g.role != role) continue;
    auto q = collect(g, [](const CompareRow& r) { return r.ppl_qat; });
    if (q.empty()) continue;
    const double m = stats(q).mean;
    auto it = per_method.find(g.method);
    if (it == per_method.end() || m < it->second.first) per_method[g.method] = {m, &g};
  }
  for (const auto& kv : per_method) best.push_back(kv.second);
  if (best.size() < 2) return "";
  std::sort(best.begin(), best.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const Group& w = *best[0].second;
  auto d = collect(w, delta);
  char line[512];
  std::snprintf(line, sizeof line,
                "- %s lr: lowest mean QAT perplexity **%s** (lr %g, %.4f), %.4f below the next method (%s, %.4f); "
                "QAT - PTQ %s over %d seed(s).\n",
                role == "tuned" ? "Tuned" : "Common", w.method.c_str(), w.lr, best[0].first,
                best[1].first - best[0].first, best[1].second->method.c_str(), best[1].first,
                mean_sd(d, "%+.4f").c_str(), int(w.rows.size()));
  return line;
}

}  // namespace

nlohmann::json CompareRow::to_json() const {
  return {{"name", name},
          {"method", method},
          {"role", role},
          {"lr", lr},
          {"seed", seed},
          {"steps", steps},
          {"ppl", {{"fp", ppl_fp}, {"ptq", ppl_ptq}, {"qat", ppl_qat}}},
          {"kl", {{"qat", kl_qat}, {"ptq", kl_ptq}, {"val", kl_val}}},
          {"changes", changes},
          {"units", units},
          {"unit", unit},
          {"bits_per_weight", {{"nominal", bits_nominal}, {"effective", bits_effective}}},
          {"seconds_per_step", seconds_per_step},
          {"peak_mb", {{"host", peak_host_mb}, {"device", peak_device_mb}}}};
}

CompareRow CompareRow::from_json(const nlohmann::json& j, const std::string& source) {
  CompareRow r;
  try {
    r.name = j.at("name").get<std::string>();
    r.method = j.at("method").get<std::string>();
    r.role = j.value("role", std::string("fixed"));
    r.lr = j.at("lr").get<double>();
    r.seed = j.at("seed").get<uint64_t>();
    r.steps = j.value("steps", int64_t(0));
    r.ppl_fp = j.at("ppl").value("fp", -1.0);
    r.ppl_ptq = j.at("ppl").value("ptq", -1.0);
    r.ppl_qat = j.at("ppl").value("qat", -1.0);
    r.kl_qat = j.at("kl").value("qat", -1.0);
    r.kl_ptq = j.at("kl").value("ptq", -1.0);
    r.kl_val = j.at("kl").value("val", -1.0);
    r.changes = j.value("changes", int64_t(-1));
    r.units = j.value("units", int64_t(0));
    r.unit = j.value("unit", std::string());
    r.bits_nominal = j.at("bits_per_weight").value("nominal", 0.0);
    r.bits_effective = j.at("bits_per_weight").value("effective", 0.0);
    r.seconds_per_step = j.value("seconds_per_step", 0.0);
    r.peak_host_mb = j.at("peak_mb").value("host", -1.0);
    r.peak_device_mb = j.at("peak_mb").value("device", -1.0);
  } catch (const nlohmann::json::exception& e) {
    fail(source, ": not a comparison row: ", e.what());
  }
  return r;
}

std::string compare_markdown(const std::vector<CompareRow>& rows, const nlohmann::json& h) {
  std::ostringstream md;
  md << "# Method comparison\n\n";
  md << "Model " << h.value("model", "") << ", layers " << h.value("layers", "") << ", " << h.value("steps", 0)
     << " steps per run, seeds " << h.value("seeds", "") << ", device " << h.value("device", "") << ". Trellis "
     << h.value("trellis", "") << "; scalar baselines at the same k bits.\n\n";
  md << "Perplexity after hardening and held-out KL(FP || quantised): " << h.value("protocol", "") << ".\n";
  md << "Calibration: " << h.value("data", "") << ".\n";
  if (h.contains("tuning")) md << "Tuning: " << h.at("tuning").get<std::string>() << ".\n";
  md << "\nBits per weight count every stored bit that dequantisation needs, in the same way for all methods "
        "(trellis: bitstreams, 8-bit RHT signs, fp64 scale, LUT; scalar: codes and fp32 per-row scales); "
        "embeddings, norms, head and the other layers are not counted. Changes: trellis steps whose state differs "
        "from PTQ (one step is V weights), or codes that differ from the method's own PTQ.\n\n";

  auto groups = summary_groups(rows);
  md << "## Summary (mean +- sd over seeds)\n\n";
  md << "| method | lr | role | seeds | PTQ ppl | QAT ppl | QAT - PTQ | KL QAT | KL PTQ | changes (%) | bits/weight "
        "| s/step | peak MB host / device |\n";
  md << "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& g : groups) {
    const CompareRow& f = *g.rows.front();
    auto pct = collect(g, [](const CompareRow& r) { return r.changes >= 0 && r.units > 0 ? 100.0 * double(r.changes) / double(r.units) : -1; });
    auto host = collect(g, [](const CompareRow& r) { return r.peak_host_mb; });
    auto dev = collect(g, [](const CompareRow& r) { return r.peak_device_mb; });
    md << "| " << g.method << " | " << num(g.lr, "%g") << " | " << g.role << " | " << g.rows.size() << " | "
       << mean_sd(collect(g, [](const CompareRow& r) { return r.ppl_ptq; }), "%.4f") << " | "
       << mean_sd(collect(g, [](const CompareRow& r) { return r.ppl_qat; }), "%.4f") << " | **"
       << mean_sd(collect(g, delta), "%+.4f") << "** | "
       << mean_sd(collect(g, [](const CompareRow& r) { return r.kl_qat; }), "%.5f") << " | "
       << mean_sd(collect(g, [](const CompareRow& r) { return r.kl_ptq; }), "%.5f") << " | "
       << mean_sd(pct, "%.2f") << " | " << num(f.bits_nominal, "%g") << " / " << num(f.bits_effective, "%.4f") << " | "
       << mean_sd(collect(g, [](const CompareRow& r) { return r.seconds_per_step; }), "%.2f") << " | "
       << (host.empty() ? "" : num(*std::max_element(host.begin(), host.end()), "%.0f")) << " / "
       << (dev.empty() ? "-" : num(*std::max_element(dev.begin(), dev.end()), "%.0f")) << " |\n";
  }
  const std::string common = winner_line(groups, "fixed"), tuned = winner_line(groups, "tuned");
  if (!common.empty() || !tuned.empty()) md << "\n" << common << tuned;

  md << "\n## Runs\n\n";
  md << "| run | method | lr | role | seed | FP | PTQ | QAT | QAT - PTQ | KL QAT | KL PTQ | changes | of | s/step | "
        "peak MB host / device |\n";
  md << "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n";
  for (const auto& r : rows) {
    if (r.role == "tuning") continue;
    md << "| " << r.name << " | " << r.method << " | " << num(r.lr, "%g") << " | " << r.role << " | " << r.seed
       << " | " << fig(r.ppl_fp, "%.4f") << " | " << fig(r.ppl_ptq, "%.4f") << " | " << fig(r.ppl_qat, "%.4f") << " | "
       << fig(delta(r), "%+.4f") << " | " << fig(r.kl_qat, "%.5f") << " | " << fig(r.kl_ptq, "%.5f") << " | "
       << r.changes << " | " << r.units << " " << r.unit << " | " << num(r.seconds_per_step, "%.2f") << " | "
       << fig(r.peak_host_mb, "%.0f") << " / " << (r.peak_device_mb == -1 ? "-" : num(r.peak_device_mb, "%.0f"))
       << " |\n";
  }
  bool tuning = false;
  for (const auto& r : rows) tuning = tuning || r.role == "tuning";
  if (tuning) {
    md << "\n## Tuning (first seed; the lowest validation KL is chosen)\n\n";
    md << "| method | lr | validation KL | QAT ppl |\n| --- | ---: | ---: | ---: |\n";
    for (const auto& r : rows)
      if (r.role == "tuning")
        md << "| " << r.method << " | " << num(r.lr, "%g") << " | " << fig(r.kl_val, "%.5f") << " | "
           << fig(r.ppl_qat, "%.4f") << " |\n";
  }
  return md.str();
}

std::string compare_csv(const std::vector<CompareRow>& rows) {
  std::ostringstream csv;
  csv << "run,method,role,lr,seed,steps,ppl_fp,ppl_ptq,ppl_qat,qat_minus_ptq,kl_qat,kl_ptq,kl_val,changes,units,unit,"
         "bits_nominal,bits_effective,seconds_per_step,peak_host_mb,peak_device_mb\n";
  for (const auto& r : rows)
    csv << r.name << "," << r.method << "," << r.role << "," << num(r.lr, "%g") << "," << r.seed << "," << r.steps
        << "," << fig(r.ppl_fp, "%.6f") << "," << fig(r.ppl_ptq, "%.6f") << "," << fig(r.ppl_qat, "%.6f") << ","
        << fig(delta(r), "%.6f") << "," << fig(r.kl_qat, "%.7f") << "," << fig(r.kl_ptq, "%.7f") << ","
        << fig(r.kl_val, "%.7f") << "," << r.changes << "," << r.units << "," << r.unit << ","
        << num(r.bits_nominal, "%g") << "," << num(r.bits_effective, "%.6f") << "," << num(r.seconds_per_step, "%.4f")
        << "," << fig(r.peak_host_mb, "%.1f") << "," << fig(r.peak_device_mb, "%.1f") << "\n";
  return csv.str();
}

}  // namespace bcjr::quant
