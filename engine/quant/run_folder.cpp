#include "engine/quant/run_folder.h"

#include <algorithm>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "bcjr/version.h"
#include "engine/core/atomic_file.h"
#include "engine/core/error.h"

namespace fs = std::filesystem;

namespace bcjr::quant {

nlohmann::json build_info_json() {
  return {{"program", "bcjr-studio"},
          {"version", kVersion},
          {"build_type", kBuildType},
          {"compiler", kCompiler},
          {"torch", kTorchVersion},
          {"cuda_kernels", kBuiltWithCudaKernels}};
}

namespace {

// Temporary files of atomic writes (".NAME.tmpPID-N", atomic_file.cpp) whose writer was killed
// before renaming them: never a result, only disk space. A live writer's are left alone.
void remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t tmp = name.rfind(".tmp");
    long pid = 0;
    if (name.empty() || name[0] != '.' || tmp == std::string::npos ||
        std::sscanf(name.c_str() + tmp, ".tmp%ld-", &pid) != 1 || pid <= 0)
      continue;
    if (pid == long(getpid()) || ::kill(pid_t(pid), 0) == 0) continue;
    fs::remove(e.path(), ec);
  }
}

}  // namespace

RunFolder RunFolder::create(const std::string& path, bool overwrite) {
  BCJR_CHECK(!path.empty(), "run folder: empty path");
  RunFolder r(path);
  if (fs::exists(r.file("run.json")) && !overwrite)
    fail("run folder ", path, " already holds a run (run.json); choose another --out or resume it with --resume");
  std::error_code ec;
  fs::create_directories(r.file("checkpoints"), ec);
  if (!ec) fs::create_directories(r.file("snapshots"), ec);
  BCJR_CHECK(!ec, "run folder ", path, ": cannot create it: ", ec.message());
  if (overwrite) {
    fs::remove(r.file("metrics.jsonl"), ec);
    fs::remove(r.file("log.txt"), ec);
  }
  return r;
}

RunFolder RunFolder::open(const std::string& path) {
  RunFolder r(path);
  BCJR_CHECK(fs::is_regular_file(r.file("run.json")), "run folder ", path, ": no run.json (not a run folder)");
  r.read_manifest();
  std::error_code ec;
  fs::create_directories(r.file("checkpoints"), ec);
  fs::create_directories(r.file("snapshots"), ec);
  for (const char* sub : {"", "checkpoints", "snapshots"}) remove_stale_temporaries(r.file(sub));
  return r;
}

void RunFolder::write_manifest(const nlohmann::json& manifest) const {
  write_file_atomic(file("run.json"), manifest.dump(2) + "\n");
}

nlohmann::json RunFolder::read_manifest() const {
  const std::string p = file("run.json");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(p, kMaxConfigJsonBytes, "run.json"));
  } catch (const bcjr::Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(p, ": not valid JSON: ", e.what());
  }
  BCJR_CHECK(j.is_object(), p, ": not a JSON object (a run manifest is one)");
  return j;
}

void RunFolder::append_metrics(const nlohmann::json& line) const { append_line(file("metrics.jsonl"), line.dump()); }

std::vector<nlohmann::json> RunFolder::read_metrics() const {
  const std::string p = file("metrics.jsonl");
  std::vector<nlohmann::json> out;
  if (!fs::exists(p)) return out;
  const std::string text = read_file(p);
  std::istringstream in(text);
  std::string line;
  int64_t number = 0;
  size_t offset = 0;
  while (std::getline(in, line)) {
    ++number;
    offset += line.size() + 1;
    if (line.empty()) continue;
    // A last line without its newline is an append a crash cut short: not a step (it is dropped
    // when the run resumes, as every line after the checkpoint is).
    if (in.eof() && !text.empty() && text.back() != '\n') break;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& e) {
      // A last line without its newline is a write a crash cut short: it never happened.
      if (offset > text.size()) break;
      fail(p, " line ", number, ": not valid JSON: ", e.what());
    }
  }
  return out;
}

void RunFolder::filter_metrics(const std::function<bool(const nlohmann::json&)>& keep) const {
  std::string text;
  for (const auto& j : read_metrics())
    if (keep(j)) text += j.dump() + "\n";
  write_file_atomic(file("metrics.jsonl"), text);
}

void RunFolder::log(const std::string& line) const {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);  // std::gmtime's buffer is shared between threads
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string one = line;
  std::replace(one.begin(), one.end(), '\n', ' ');  // a log entry is one line
  append_line(file("log.txt"), std::string(stamp) + " " + one);
}

std::string RunFolder::checkpoint_path(int64_t step) const {
  char name[48];
  std::snprintf(name, sizeof name, "checkpoints/step_%06lld.ckpt", static_cast<long long>(step));
  return file(name);
}

std::string RunFolder::latest_checkpoint() const {
  std::string best;
  long long best_step = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(file("checkpoints"), ec)) {
    const std::string name = e.path().filename().string();
    long long step = -1;
    char tail[8] = {0};
    if (std::sscanf(name.c_str(), "step_%lld.%5s", &step, tail) == 2 && std::string(tail) == "ckpt" && step > best_step) {
      best_step = step;
      best = e.path().string();
    }
  }
  return best;
}

std::string RunFolder::snapshot_path(const std::string& name) const { return file("snapshots/" + name); }

}  // namespace bcjr::quant
