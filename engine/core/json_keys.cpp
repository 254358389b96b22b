#include "engine/core/json_keys.h"

#include <algorithm>

#include "engine/core/error.h"
#include "engine/core/printable.h"

namespace bcjr {
namespace {

// Levenshtein distance, for the "did you mean" hint (keys are short).
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

void refuse_unknown_keys(const nlohmann::json& j, const std::vector<std::string>& known, const std::string& source) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string best;
    size_t best_d = 3;  // suggest only close keys (two edits at most)
    for (const auto& k : known) {
      const size_t d = edit_distance(key, k);
      if (d < best_d) best = k, best_d = d;
    }
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail(source, ": unknown key \"", printable(key), "\"", best.empty() ? "" : " (did you mean \"" + best + "\"?)",
         "; known keys: ", list);
  }
}

std::vector<std::string> keys_of(const nlohmann::json& object) {
  std::vector<std::string> keys;
  if (!object.is_object()) return keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

}  // namespace bcjr
