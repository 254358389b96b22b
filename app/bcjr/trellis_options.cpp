#include "app/bcjr/trellis_options.h"

#include <torch/torch.h>

#include "app/bcjr/cli_context.h"
#include "bcjr/version.h"
#include "engine/core/error.h"
#include "engine/core/npy_tensor.h"
#include "engine/core/progress.h"

namespace bcjr::cli {

trellis::TrellisSpec read_trellis_shape(Args& args) {
  trellis::TrellisSpec spec;
  spec.L = int(args.required_integer("L"));
  spec.k = int(args.required_integer("k"));
  spec.V = int(args.required_integer("V"));
  BCJR_CHECK(spec.L >= 2 && spec.L <= 16, "--L ", spec.L, " is outside 2..16");
  BCJR_CHECK(spec.k >= 1 && spec.k <= 4, "--k ", spec.k, " is outside 1..4");
  BCJR_CHECK(spec.V == 1 || spec.V == 2, "--V ", spec.V, " must be 1 or 2");
  BCJR_CHECK(spec.kv() <= spec.L, "--k ", spec.k, " x --V ", spec.V, " bits per step exceed --L ", spec.L);
  spec.n = spec.V;
  return spec;
}

CodebookChoice read_codebook_choice(Args& args) {
  auto code = args.get("code");
  auto lut = args.get("lut");
  const int64_t seed = args.integer("seed", 0);
  BCJR_CHECK(code.has_value() != lut.has_value(), "give exactly one of --code and --lut");
  BCJR_CHECK(seed >= 0, "--seed ", seed, " must be non-negative");
  CodebookChoice c;
  c.code = code.value_or("");
  c.lut = lut.value_or("");
  c.seed = uint64_t(seed);
  if (code) BCJR_CHECK(c.code == "1mad" || c.code == "3inst" || c.code == "hyb", "--code ", c.code,
                       ": expected 1mad, 3inst or hyb");
  return c;
}

trellis::Codebook CodebookChoice::build(const trellis::TrellisSpec& spec) const {
  if (!lut.empty()) return trellis::codebook_from_npy(lut, spec.L, spec.V);
  return trellis::make_codebook(code, spec.L, spec.V, seed);
}

torch::Device read_device(Args& args) {
  const std::string d = args.get("device", "cpu");
  if (d == "cpu") return torch::kCPU;
  BCJR_CHECK(d == "cuda", "--device ", d, ": expected cpu or cuda");
  BCJR_CHECK(kBuiltWithCudaKernels, "--device cuda: this bcjr was built without CUDA kernels");
  BCJR_CHECK(torch::cuda::is_available(), "--device cuda: no CUDA device is available");
  return torch::kCUDA;
}

torch::Tensor load_weights(const std::string& path, const std::string& option) {
  auto w = load_npy_tensor(path);
  BCJR_CHECK(w.scalar_type() == torch::kFloat32, option, " ", path, ": dtype ", c10::toString(w.scalar_type()),
             ", expected float32");
  BCJR_CHECK(w.dim() == 2, option, " ", path, ": ", w.dim(), "-D array, expected [tiles, n]");
  BCJR_CHECK(w.size(1) > 0, option, " ", path, ": tile length 0");
  BCJR_CHECK(w.numel() == 0 || torch::isfinite(w).all().item<bool>(), option, " ", path, ": contains non-finite values");
  return w;
}

void for_each_chunk(const std::string& stage, int64_t tiles, const std::function<void(int64_t, int64_t)>& body) {
  const int64_t chunk = 64;
  ProgressStage progress(terminal_progress(), stage, tiles);
  for (int64_t b = 0; b < tiles; b += chunk) {
    const int64_t e = std::min(tiles, b + chunk);
    body(b, e);
    progress.advance(e - b);
  }
}

}  // namespace bcjr::cli
