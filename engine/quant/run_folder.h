// A run folder: run.json (the manifest: model and data hashes, every parameter, seeds, program
// version and build flags), metrics.jsonl (one JSON object per line, one line per step),
// checkpoints/, snapshots/ and log.txt. Whole files are replaced atomically, so a crash leaves the
// previous complete version, never a torn one; metrics.jsonl and log.txt grow by atomic appends
// of one line (constant cost per line, safe from several threads, a line whole or absent).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bcjr::quant {

// Program version, build type, compiler, LibTorch version and whether CUDA kernels are built in.
nlohmann::json build_info_json();

class RunFolder {
 public:
  // Creates the folder and its subfolders. An existing folder is refused if it holds a run.json
  // unless `overwrite` (then metrics.jsonl and log.txt are cleared).
  static RunFolder create(const std::string& path, bool overwrite = false);
  // An existing run; throws a bcjr::Error naming the folder if it has no readable run.json.
  static RunFolder open(const std::string& path);

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  void write_manifest(const nlohmann::json& manifest) const;
  nlohmann::json read_manifest() const;

  // Appends one line to metrics.jsonl (one O_APPEND write).
  void append_metrics(const nlohmann::json& line) const;
  // Every line; a line that is not JSON is an error naming the file and line number, except a
  // last line without its newline (an append a crash cut short), which is left out.
  std::vector<nlohmann::json> read_metrics() const;
  // Keeps only the lines for which keep(line) is true (used when resuming from a checkpoint; the
  // file is rewritten atomically, so call it only while nothing else appends).
  void filter_metrics(const std::function<bool(const nlohmann::json&)>& keep) const;

  // Appends a time-stamped line to log.txt (newlines in `line` become spaces); thread-safe.
  void log(const std::string& line) const;

  // checkpoints/step_000010.ckpt; the latest one by step, or "" if there is none.
  std::string checkpoint_path(int64_t step) const;
  std::string latest_checkpoint() const;
  std::string snapshot_path(const std::string& name) const;

 private:
  explicit RunFolder(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace bcjr::quant
