#include "engine/quant/data_split.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

namespace bcjr::quant {

const char* data_part_name(DataPart p) {
  switch (p) {
    case DataPart::All: return "all";
    case DataPart::Calibration: return "calibration";
    case DataPart::HeldOut: return "held-out";
  }
  return "?";
}

DataPart parse_data_part(const std::string& s, const std::string& option) {
  if (s == "all") return DataPart::All;
  if (s == "calibration") return DataPart::Calibration;
  if (s == "held-out" || s == "heldout") return DataPart::HeldOut;
  fail(option, " '", s, "': expected all, calibration or held-out");
}

int64_t held_out_count(int64_t n, double held_out) {
  BCJR_CHECK(held_out >= 0 && held_out < 1, "held-out fraction ", held_out, " must be in [0, 1)");
  if (held_out == 0 || n < 2) return 0;
  const auto held = static_cast<int64_t>(std::llround(double(n) * held_out));
  return std::clamp<int64_t>(held, 1, n - 1);
}

LineSplit split_lines(const std::string& text, double held_out) {
  LineSplit s;
  s.lines = std::count(text.begin(), text.end(), '\n');
  if (!text.empty() && text.back() != '\n') ++s.lines;
  s.held_lines = held_out_count(s.lines, held_out);
  s.held_begin = text.size();
  // The held-out part begins after the (lines - held_lines)-th newline.
  int64_t newlines = 0;
  const int64_t keep = s.lines - s.held_lines;
  if (s.held_lines > 0)
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n' && ++newlines == keep) {
        s.held_begin = i + 1;
        break;
      }
  return s;
}

std::string describe_line_part(const LineSplit& s, DataPart part) {
  const int64_t keep = s.lines - s.held_lines;
  const std::string of = " of " + std::to_string(s.lines);
  if (part == DataPart::Calibration) return "lines 1-" + std::to_string(keep) + of;
  if (part == DataPart::HeldOut) return "lines " + std::to_string(keep + 1) + "-" + std::to_string(s.lines) + of;
  return "lines 1-" + std::to_string(s.lines) + of;
}

std::string describe_id_part(int64_t n, int64_t held, DataPart part) {
  const int64_t keep = n - held;
  const std::string of = " of " + std::to_string(n);
  if (part == DataPart::Calibration) return "ids [0, " + std::to_string(keep) + ")" + of;
  if (part == DataPart::HeldOut) return "ids [" + std::to_string(keep) + ", " + std::to_string(n) + ")" + of;
  return "ids [0, " + std::to_string(n) + ")" + of;
}

std::string describe_held_out(double held_out, bool lines) {
  char pct[32];
  std::snprintf(pct, sizeof pct, "%g%%", held_out * 100);
  return std::string("the last ") + pct + (lines ? " of lines" : " of token ids");
}

}  // namespace bcjr::quant
