#include "engine/quant/method_compare.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "engine/core/atomic_file.h"
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/model/layer_snapshot.h"
#include "engine/model/model_loader.h"
#include "engine/model/perplexity.h"
#include "engine/quant/export_packed.h"
#include "engine/quant/heldout_kl.h"
#include "engine/quant/peak_memory.h"
#include "engine/quant/qat_session.h"
#include "engine/quant/quantized_checkpoint.h"
#include "engine/quant/run_folder.h"
#include "engine/quant/scalar_linear.h"
#include "engine/quant/token_data.h"

namespace fs = std::filesystem;

namespace bcjr::quant {
namespace {

nlohmann::json read_json(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not JSON: ", e.what());
  }
}

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// What every run of the comparison shares beyond its folder: the FP model (for the KLs), the
// evaluation and validation streams, and the trellis code (for the bits of trellis runs).
struct Shared {
  model::LlamaModel model{nullptr};
  std::vector<int64_t> eval_stream, val_stream;
  std::string eval_source, val_source, bos_policy;
  TrellisCode code;
};

std::map<LinearKey, torch::Tensor> layer_weights(const std::string& dir, const std::vector<int64_t>& layers,
                                                 const std::string& prefix) {
  std::map<LinearKey, torch::Tensor> w;
  for (int64_t l : layers) {
    auto snap = model::read_layer_snapshot_pt(dir + "/snapshots/" + prefix + std::to_string(l) + ".pt");
    for (auto& kv : snap.weights) w[{l, kv.first}] = kv.second;
  }
  return w;
}

class Comparison {
 public:
  Comparison(const CompareOptions& o, std::string out, const CompareHooks& h) : o_(o), out_(std::move(out)), h_(h) {}

  CompareOutcome run() {
    o_.validate();
    fs::create_directories(out_ + "/runs");
    load_shared();
    CompareOutcome outcome;
    const uint64_t first = o_.seeds.front();
    // The plan, in order; the tuned runs are added once the tuning has chosen.
    for (uint64_t seed : o_.seeds)  // seed by seed, so that a cut-off comparison has whole seeds
      for (QatMethod m : o_.methods) {
        auto lr = o_.method_lr.find(m);
        plan_.push_back({m, lr != o_.method_lr.end() ? lr->second : o_.base.lr, seed, "fixed"});
      }
    for (QatMethod m : o_.methods)
      for (double lr : o_.tune_lrs) plan_.push_back({m, lr, first, "tuning"});
    bool tuned_planned = o_.tune_lrs.empty();
    std::map<QatMethod, CompareRow> best;  // per method, the tuning run of the lowest validation KL
    for (size_t i = 0; i < plan_.size(); ++i) {
      check_cancel();  // between runs; each run's session checks inside (its token is a child of ours)
      const Planned p = plan_[i];
      if (o_.max_seconds > 0 && seconds() > o_.max_seconds && !kept(p)) {
        outcome.runs_left = int(plan_.size() - i + (tuned_planned ? 0 : o_.methods.size() * o_.seeds.size()));
        log("stopping at the time budget (" + fmt(o_.max_seconds) + " s) with " + std::to_string(outcome.runs_left) +
            " runs left; the same command continues");
        break;
      }
      CompareRow r = add(p.method, p.lr, p.seed, p.role);
      if (p.role != "tuning") continue;
      auto b = best.find(p.method);
      if (b == best.end() || r.kl_val < b->second.kl_val) best[p.method] = r;
      if (p.lr != o_.tune_lrs.back()) continue;
      outcome.tuned_lr[p.method] = best.at(p.method).lr;
      log(std::string("tuned ") + qat_method_name(p.method) + ": lr " + fmt(best.at(p.method).lr) +
          " (validation KL " + std::to_string(best.at(p.method).kl_val) + ")");
      if (p.method == o_.methods.back()) {  // the tuning is done: every seed at each tuned rate
        for (uint64_t seed : o_.seeds)
          for (QatMethod m : o_.methods) plan_.push_back({m, outcome.tuned_lr.at(m), seed, "tuned"});
        tuned_planned = true;
      }
    }
    outcome.rows = rows_;
    outcome.markdown = out_ + "/compare.md";
    outcome.csv = out_ + "/compare.csv";
    return outcome;
  }

 private:
  static std::string fmt(double lr) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", lr);
    return b;
  }

  struct Planned {
    QatMethod method;
    double lr;
    uint64_t seed;
    std::string role;
  };

  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  // Whether a planned run is finished and measured already (keeping it costs no time).
  bool kept(const Planned& p) const {
    const std::string dir = out_ + "/runs/" + compare_run_name(p.method, p.lr, p.seed);
    if (!o_.reuse || !finished(dir, config_of(p.method, p.lr, p.seed)) || !fs::exists(dir + "/compare.json"))
      return false;
    return p.role != "tuning" ||
           CompareRow::from_json(read_json(dir + "/compare.json"), dir + "/compare.json").kl_val != -1;
  }

  void log(const std::string& line) {
    if (h_.on_log) h_.on_log(line);
  }

  void load_shared() {
    auto loaded = model::load_model(o_.base.model, h_.progress);
    auto data = o_.base.eval_data.empty() ? o_.base.data : o_.base.eval_data;
    auto eval = load_token_data(data, loaded);
    s_.eval_stream = model::perplexity_token_stream(eval.ids, eval.bos_id);
    s_.eval_source = eval.path + " (SHA-256 " + eval.sha256.substr(0, 16) + "...)";
    s_.bos_policy = model::perplexity_bos_policy(eval.bos_id);
    if (!o_.tune_data.empty()) {
      auto val = load_token_data(o_.tune_data, loaded);
      s_.val_stream = model::perplexity_token_stream(val.ids, val.bos_id);
      s_.val_source = val.path;
    }
    s_.model = model::llama_from_tensors(loaded.config, loaded.tensors, loaded.path);
    loaded.tensors.clear();
    if (o_.base.device == "cuda") s_.model->to(torch::Device(torch::kCUDA, 0), torch::kFloat32);
    s_.code = TrellisCode::make(o_.base.quant);
    header_ = {{"model", loaded.path},
               {"layers", join(o_.base.layers)},
               {"steps", o_.base.steps},
               {"device", o_.base.device},
               {"data", o_.base.data},
               {"trellis", s_.code.spec.describe() + " " + o_.base.quant.code + ", " + o_.base.quant.boundary}};
    std::string seeds;
    for (auto s : o_.seeds) seeds += (seeds.empty() ? "" : ",") + std::to_string(s);
    header_["seeds"] = seeds;
    if (!o_.tune_lrs.empty()) {
      std::string lrs;
      for (double lr : o_.tune_lrs) lrs += (lrs.empty() ? "" : ", ") + fmt(lr);
      header_["tuning"] = "each method's lr chosen from {" + lrs + "} on seed " + std::to_string(o_.seeds.front()) +
                          " by the lowest held-out KL on " + s_.val_source +
                          " (same ctx and window cap as the evaluation)";
    }
  }

  QatConfig config_of(QatMethod m, double lr, uint64_t seed) const {
    QatConfig c = o_.base;
    c.method = m;
    c.lr = lr;
    c.seed = seed;
    c.eval_before_after = true;
    c.validate();
    return c;
  }

  // Runs (or keeps, or resumes) one run and measures its row; rewrites the tables.
  CompareRow add(QatMethod m, double lr, uint64_t seed, const std::string& role) {
    const QatConfig c = config_of(m, lr, seed);
    const std::string name = compare_run_name(m, lr, seed), dir = out_ + "/runs/" + name;
    const bool need_val = role == "tuning";
    CompareRow row;
    bool have = false;
    if (o_.reuse && finished(dir, c) && fs::exists(dir + "/compare.json")) {
      row = CompareRow::from_json(read_json(dir + "/compare.json"), dir + "/compare.json");
      have = !need_val || row.kl_val != -1;
      if (have) log("kept " + name + " (finished earlier)");
    }
    if (!have) {
      if (!(o_.reuse && finished(dir, c))) train(c, dir, name);
      row = measure(c, dir, name, need_val);
      write_file_atomic(dir + "/compare.json", row.to_json().dump(2) + "\n");
    }
    row.role = role;
    rows_.push_back(row);
    write_tables();
    return row;
  }

  bool finished(const std::string& dir, const QatConfig& c) const {
    if (!fs::exists(dir + "/run.json") || !fs::exists(dir + "/results.json")) return false;
    if (read_json(dir + "/run.json").value("config", nlohmann::json()) != c.to_json()) return false;
    auto results = read_json(dir + "/results.json");
    bool qat = false;
    for (const auto& p : results.value("perplexity", nlohmann::json::array())) qat = qat || p.value("label", "") == "QAT";
    return qat && results.value("steps_done", int64_t(-1)) == c.total_steps();
  }

  void train(const QatConfig& c, const std::string& dir, const std::string& name) {
    std::unique_ptr<QatSession> session;
    const bool resumable = o_.reuse && fs::exists(dir + "/run.json") &&
                           read_json(dir + "/run.json").value("config", nlohmann::json()) == c.to_json() &&
                           !RunFolder::open(dir).latest_checkpoint().empty();
    if (resumable) {
      log("resuming " + name);
      session = QatSession::resume(dir);
    } else {
      log("running " + name);
      session = QatSession::create(c, dir, /*overwrite=*/true);
    }
    session->set_progress(h_.progress);
    reset_peak_memory();
    session->run();
    peak_ = peak_memory();
  }

  CompareRow measure(const QatConfig& c, const std::string& dir, const std::string& name, bool need_val) {
    CompareRow r;
    r.name = name;
    r.method = qat_method_name(c.method);
    r.lr = c.lr;
    r.seed = c.seed;
    r.peak_host_mb = peak_.host_mb;
    r.peak_device_mb = peak_.device_mb;
    peak_ = PeakMemory();
    auto results = read_json(dir + "/results.json");
    for (const auto& p : results.value("perplexity", nlohmann::json::array())) {
      const std::string label = p.value("label", "");
      const double ppl = p.value("ppl", -1.0);
      if (label == "FP") r.ppl_fp = ppl;
      if (label == "PTQ") r.ppl_ptq = ppl;
      if (label == "QAT") r.ppl_qat = ppl;
      if (label == "QAT" && !header_.contains("protocol")) {
        char line[512];
        const std::string dtype = s_.model->dtype() == torch::kFloat32 ? "float32" : c10::toString(s_.model->dtype());
        std::snprintf(line, sizeof line, "%s, ctx %lld, %lld windows, %lld tokens scored, %s, dtype %s",
                      s_.eval_source.c_str(), (long long)p.value("ctx", 0), (long long)p.value("windows", 0),
                      (long long)p.value("tokens", 0), s_.bos_policy.c_str(), dtype.c_str());
        header_["protocol"] = line;
      }
    }
    r.changes = 0;
    for (const auto& q : results.value("qat", nlohmann::json::array())) r.changes += q.value("flips", int64_t(0));
    auto metrics = RunFolder::open(dir).read_metrics();
    r.steps = int64_t(metrics.size());
    for (const auto& m : metrics) r.seconds_per_step += m.value("seconds", 0.0) / double(std::max<size_t>(1, metrics.size()));
    if (!metrics.empty())
      for (const auto& l : metrics.back().value("linears", nlohmann::json::array()))
        r.units += l.value("trellis_steps", int64_t(0));
    if (is_trellis_method(c.method)) {
      r.unit = "trellis steps";
      auto b = packed_bits_per_weight(load_quantized_linears(dir + "/snapshots/quantized.ckpt", nullptr), s_.code);
      r.bits_nominal = b.nominal;
      r.bits_effective = b.effective;
    } else {
      r.unit = "codes";
      auto b = scalar_bits_per_weight(load_scalar_linears(dir + "/snapshots/scalar_quantized.ckpt"));
      r.bits_nominal = b.nominal;
      r.bits_effective = b.effective;
    }
    log("measuring " + name + ": held-out KL of the hardened and the PTQ model");
    // The PTQ of a seed is the same for the three trellis methods: its KL is measured once.
    const std::string ptq_key =
        (is_trellis_method(c.method) ? std::string("trellis") : std::string(qat_method_name(c.method))) + "-s" +
        std::to_string(c.seed);
    std::vector<std::map<LinearKey, torch::Tensor>> models{layer_weights(dir, c.layers, "layer_")};
    if (!ptq_kl_.count(ptq_key)) models.push_back(layer_weights(dir, c.layers, "ptq_layer_"));
    auto kls = heldout_kls(s_.model, models, s_.eval_stream, c.eval_ctx, c.eval_windows, h_.progress);
    r.kl_qat = kls[0].kl;
    if (kls.size() > 1) ptq_kl_[ptq_key] = kls[1].kl;
    r.kl_ptq = ptq_kl_.at(ptq_key);
    if (need_val)
      r.kl_val = heldout_kl(s_.model, layer_weights(dir, c.layers, "layer_"), s_.val_stream, c.eval_ctx,
                            c.eval_windows, h_.progress).kl;
    char line[256];
    std::snprintf(line, sizeof line, "%s: PTQ %.4f -> QAT %.4f, KL %.5f (PTQ %.5f), %lld of %lld %s changed",
                  name.c_str(), r.ppl_ptq, r.ppl_qat, r.kl_qat, r.kl_ptq, (long long)r.changes, (long long)r.units,
                  r.unit.c_str());
    log(line);
    return r;
  }

  void write_tables() {
    write_file_atomic(out_ + "/compare.md", compare_markdown(rows_, header_));
    write_file_atomic(out_ + "/compare.csv", compare_csv(rows_));
  }

  CompareOptions o_;
  std::string out_;
  CompareHooks h_;
  Shared s_;
  nlohmann::json header_;
  std::vector<CompareRow> rows_;
  std::vector<Planned> plan_;
  std::map<std::string, double> ptq_kl_;  // held-out KL of a PTQ, by (trellis or scalar method, seed)
  PeakMemory peak_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

void CompareOptions::validate() const {
  base.validate();
  BCJR_CHECK(!methods.empty(), "compare: --methods names no method");
  BCJR_CHECK(!seeds.empty(), "compare: --seeds names no seed");
  BCJR_CHECK(base.steps > 0, "compare: --steps must be > 0");
  BCJR_CHECK(base.eval_before_after, "compare: the comparison needs the perplexities (drop --no-eval)");
  for (size_t i = 0; i < methods.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      BCJR_CHECK(methods[i] != methods[j], "compare: method ", qat_method_name(methods[i]), " is listed twice");
  for (double lr : tune_lrs) BCJR_CHECK(lr > 0, "compare: --tune-lrs ", lr, " must be > 0");
  BCJR_CHECK(tune_lrs.empty() || !tune_data.empty(),
             "compare: --tune-lrs needs --tune-data, a validation text apart from calibration and evaluation");
  for (const auto& kv : method_lr)
    BCJR_CHECK(kv.second >= 0, "compare: lr ", kv.second, " of ", qat_method_name(kv.first));
  BCJR_CHECK(max_seconds >= 0, "compare: --max-seconds ", max_seconds);
}

std::string compare_run_name(QatMethod method, double lr, uint64_t seed) {
  char b[96];
  std::snprintf(b, sizeof b, "%s-lr%g-s%llu", qat_method_name(method), lr, (unsigned long long)seed);
  return b;
}

CompareOutcome run_comparison(const CompareOptions& options, const std::string& out_dir, const CompareHooks& hooks) {
  BCJR_CHECK(!out_dir.empty(), "compare: --out is required");
  return Comparison(options, out_dir, hooks).run();
}

}  // namespace bcjr::quant
