// Option parsing for one subcommand: `--name value`, `--name=value` and `--flag`. Each option a
// command reads is marked known; finish() then rejects anything left over, naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bcjr::cli {

class Args {
 public:
  Args(std::string command, const std::vector<std::string>& argv);

  const std::string& command() const { return command_; }
  bool has(const std::string& name);
  std::optional<std::string> get(const std::string& name);
  std::string get(const std::string& name, const std::string& fallback);
  std::string required(const std::string& name);
  int64_t integer(const std::string& name, int64_t fallback);
  int64_t required_integer(const std::string& name);
  double real(const std::string& name, double fallback);
  double required_real(const std::string& name);
  bool flag(const std::string& name);
  // Positional arguments (not starting with --), in order.
  const std::vector<std::string>& positional() const { return positional_; }
  std::string positional_at(size_t i, const std::string& what);
  // Throws bcjr::Error naming the first option the command did not read.
  void finish();

 private:
  struct Opt {
    std::string name;
    std::optional<std::string> value;
    bool used = false;
  };
  Opt* find(const std::string& name);
  std::string command_;
  std::vector<Opt> options_;
  std::vector<std::string> positional_;
  size_t positional_used_ = 0;
};

}  // namespace bcjr::cli
