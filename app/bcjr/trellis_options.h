// Options shared by the trellis commands (codebook, viterbi, soft): the trellis shape, the code
// or LUT, the device, and the weight arrays they read, each checked with a one-line reason.
#pragma once

#include <torch/types.h>

#include <string>

#include "app/bcjr/args.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::cli {

// --L, --k, --V (n is set from the input's second dimension later).
trellis::TrellisSpec read_trellis_shape(Args& args);
// --code C [--seed S] or --lut FILE, exactly one of them. Read with the other options; built
// after the inputs are checked (a hyb LUT takes seconds of k-means).
struct CodebookChoice {
  std::string code, lut;
  uint64_t seed = 0;
  trellis::Codebook build(const trellis::TrellisSpec& spec) const;
};
CodebookChoice read_codebook_choice(Args& args);
// --device cpu|cuda (default cpu); cuda without the kernels is an error here, not deep inside.
torch::Device read_device(Args& args);
// A float32 [tiles, n] .npy with finite values; `option` names it in errors ("--in").
torch::Tensor load_weights(const std::string& path, const std::string& option);
// Runs body(begin, end) over tiles in chunks, with the terminal progress bar and Ctrl-C.
void for_each_chunk(const std::string& stage, int64_t tiles, const std::function<void(int64_t, int64_t)>& body);

}  // namespace bcjr::cli
