#include "app/bcjr/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "engine/core/error.h"

namespace bcjr::cli {

Args::Args(std::string command, const std::vector<std::string>& argv) : command_(std::move(command)) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      Opt o;
      auto eq = a.find('=');
      if (eq != std::string::npos) {
        o.name = a.substr(2, eq - 2);
        o.value = a.substr(eq + 1);
      } else {
        o.name = a.substr(2);
        // A value follows unless the next word is another option. Negative numbers are values.
        if (i + 1 < argv.size() && (argv[i + 1].compare(0, 2, "--") != 0)) o.value = argv[++i];
      }
      BCJR_CHECK(!find(o.name), "bcjr ", command_, ": option --", o.name, " given twice");
      options_.push_back(o);
    } else {
      positional_.push_back(a);
    }
  }
}

Args::Opt* Args::find(const std::string& name) {
  for (auto& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

bool Args::has(const std::string& name) {
  Opt* o = find(name);
  if (o) o->used = true;
  return o != nullptr;
}

std::optional<std::string> Args::get(const std::string& name) {
  Opt* o = find(name);
  if (!o) return std::nullopt;
  o->used = true;
  BCJR_CHECK(o->value.has_value(), "bcjr ", command_, ": option --", name, " needs a value");
  return o->value;
}

std::string Args::get(const std::string& name, const std::string& fallback) {
  auto v = get(name);
  return v ? *v : fallback;
}

std::string Args::required(const std::string& name) {
  auto v = get(name);
  BCJR_CHECK(v.has_value(), "bcjr ", command_, ": option --", name, " is required (see bcjr ", command_, " --help)");
  return *v;
}

static int64_t parse_int(const std::string& cmd, const std::string& name, const std::string& s) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  BCJR_CHECK(!s.empty() && *end == '\0' && errno == 0, "bcjr ", cmd, ": option --", name,
             " expects an integer, got '", s, "'");
  return v;
}

static double parse_real(const std::string& cmd, const std::string& name, const std::string& s) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  BCJR_CHECK(!s.empty() && *end == '\0' && errno == 0 && std::isfinite(v), "bcjr ", cmd, ": option --", name,
             " expects a finite number, got '", s, "'");
  return v;
}

int64_t Args::integer(const std::string& name, int64_t fallback) {
  auto v = get(name);
  return v ? parse_int(command_, name, *v) : fallback;
}
int64_t Args::required_integer(const std::string& name) { return parse_int(command_, name, required(name)); }
double Args::real(const std::string& name, double fallback) {
  auto v = get(name);
  return v ? parse_real(command_, name, *v) : fallback;
}
double Args::required_real(const std::string& name) { return parse_real(command_, name, required(name)); }

bool Args::flag(const std::string& name) {
  Opt* o = find(name);
  if (!o) return false;
  o->used = true;
  BCJR_CHECK(!o->value.has_value(), "bcjr ", command_, ": option --", name, " takes no value (got '", *o->value, "')");
  return true;
}

std::string Args::positional_at(size_t i, const std::string& what) {
  BCJR_CHECK(i < positional_.size(), "bcjr ", command_, ": missing ", what, " (see bcjr ", command_, " --help)");
  positional_used_ = std::max(positional_used_, i + 1);
  return positional_[i];
}

void Args::finish() {
  for (auto& o : options_)
    BCJR_CHECK(o.used, "bcjr ", command_, ": unknown option --", o.name, " (see bcjr ", command_, " --help)");
  BCJR_CHECK(positional_used_ >= positional_.size(), "bcjr ", command_, ": unexpected argument '",
             positional_[positional_used_], "'");
}

}  // namespace bcjr::cli
