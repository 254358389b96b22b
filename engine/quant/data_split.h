// Calibration and evaluation never overlap by default: without a separate evaluation text, the
// calibration text is split, its last `held_out` fraction of lines kept for perplexity and the
// rest used for PTQ and training (for token-id .npy data, the last fraction of the ids). The
// split is by whole lines so that a held-out part reads as text; its bounds and the SHA-256 of
// each part's bytes go into run.json. Torch-free.
#pragma once

#include <cstdint>
#include <string>

namespace bcjr::quant {

enum class DataPart { All, Calibration, HeldOut };
// "all", "calibration", "held-out"; parse_data_part throws a bcjr::Error naming `option`.
const char* data_part_name(DataPart p);
DataPart parse_data_part(const std::string& s, const std::string& option);

struct LineSplit {
  int64_t lines = 0;       // lines in the text (a last line without '\n' counts)
  int64_t held_lines = 0;  // the last held_lines lines are held out
  size_t held_begin = 0;   // byte offset where the held-out part begins
};

// held_out in [0, 1): 0 holds nothing out. At least one line is held out when held_out > 0 and
// the text has two lines or more; at least one line always stays for calibration.
LineSplit split_lines(const std::string& text, double held_out);
// The same rule for n items (token ids): how many of the last items are held out.
int64_t held_out_count(int64_t n, double held_out);

// "lines 1-19897 of 22108" (1-based, inclusive, as sed -n counts) for one part of a line split;
// for .npy data "ids [387, 430) of 430" (0-based, half-open, as a Python slice).
std::string describe_line_part(const LineSplit& s, DataPart part);
std::string describe_id_part(int64_t n, int64_t held, DataPart part);

// The fraction in words for logs and the dialog: "the last 10% of lines".
std::string describe_held_out(double held_out, bool lines);

}  // namespace bcjr::quant
