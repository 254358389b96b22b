// Strict reading of configuration JSON: a key the reader does not know is an error that names the
// key (and the closest known one, for a misspelling), instead of a setting silently left at its
// default.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/error.h"

namespace bcjr {

// Throws a bcjr::Error "<source>: unknown key \"stpes\" (did you mean \"steps\"?; known: ...)"
// for the first key of the object `j` that is not in `known`. `j` that is not an object passes.
void refuse_unknown_keys(const nlohmann::json& j, const std::vector<std::string>& known, const std::string& source);

// The keys of a JSON object, for refuse_unknown_keys(j, keys_of(Default().to_json()), ...):
// every key a writer writes is one its reader knows.
std::vector<std::string> keys_of(const nlohmann::json& object);

// Reads j[key] into `out` if the key is present, refusing a value of another type (a string for a
// number, 2.5 for an integer, an integer outside T's range) with a message naming the key.
template <typename T>
void read_json_field(const nlohmann::json& j, const char* key, T& out, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end()) return;
  const nlohmann::json& v = *it;
  if constexpr (std::is_same_v<T, bool>) {
    BCJR_CHECK(v.is_boolean(), source, ": \"", key, "\" must be true or false");
    out = v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    BCJR_CHECK(v.is_number_integer(), source, ": \"", key, "\" must be an integer");
    const bool negative = !v.is_number_unsigned() && v.get<int64_t>() < 0;
    if (negative) {
      const int64_t x = v.get<int64_t>();
      BCJR_CHECK(std::is_signed_v<T> && x >= int64_t(std::numeric_limits<T>::min()), source, ": \"", key, "\" = ", x,
                 " is out of range");
      out = T(x);
    } else {
      const uint64_t x = v.get<uint64_t>();
      BCJR_CHECK(x <= uint64_t(std::numeric_limits<T>::max()), source, ": \"", key, "\" = ", x, " is out of range");
      out = T(x);
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    BCJR_CHECK(v.is_number(), source, ": \"", key, "\" must be a number");
    out = v.get<T>();
  } else {
    static_assert(std::is_same_v<T, std::string>, "read_json_field: bool, integers, floating point or strings");
    BCJR_CHECK(v.is_string(), source, ": \"", key, "\" must be a string");
    out = v.get<std::string>();
  }
}

}  // namespace bcjr
