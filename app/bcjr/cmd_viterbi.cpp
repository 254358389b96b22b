// `bcjr viterbi`: hard trellis quantisation of a batch of tiles.
#include <torch/torch.h>

#include <cstdio>
#include <cstring>

#include "app/bcjr/command.h"
#include "app/bcjr/trellis_options.h"
#include "engine/core/error.h"
#include "engine/core/npy.h"
#include "engine/core/npy_tensor.h"
#include "engine/trellis/bitstream.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::cli {
namespace {

// The packed words as uint16 .npy ("<u2"): the tensor holds them as int32 0..65535.
void save_words(const std::string& path, const torch::Tensor& words) {
  NpyArray a;
  a.descr = "<u2";
  a.shape = {words.size(0), words.size(1)};
  auto w16 = words.to(torch::kInt16).contiguous();  // same low 16 bits
  a.data.resize(size_t(w16.numel()) * 2);
  if (!a.data.empty()) std::memcpy(a.data.data(), w16.data_ptr(), a.data.size());
  write_npy(path, a);
}

int run_viterbi(Args& args) {
  auto spec = read_trellis_shape(args);
  const auto boundary = trellis::parse_boundary(args.required("boundary"));
  const std::string in = args.required("in"), out = args.required("out");
  const auto states_out = args.get("states"), bits_out = args.get("bits");
  const auto choice = read_codebook_choice(args);
  const auto device = read_device(args);
  args.finish();
  BCJR_CHECK(!bits_out || boundary == trellis::Boundary::TailBiting,
             "--bits needs --boundary tailbiting (a free path does not fit in n*k bits)");
  auto w = load_weights(in, "--in");
  spec.n = int(w.size(1));
  BCJR_CHECK(spec.n % spec.V == 0, "--in ", in, ": tile length ", spec.n, " is not a multiple of --V ", spec.V);
  spec.validate(boundary);
  const auto cb = choice.build(spec);

  const int64_t tiles = w.size(0);
  auto q = torch::empty_like(w);
  auto states = torch::empty({tiles, spec.steps()}, torch::kInt32);
  std::string method = trellis::viterbi_method(spec, boundary, trellis::ViterbiTailBiting::Auto);
  double energy = 0;
  for_each_chunk("viterbi", tiles, [&](int64_t b, int64_t e) {
    auto r = trellis::viterbi(w.slice(0, b, e).to(device), spec, cb, boundary);
    q.slice(0, b, e).copy_(r.codeword.cpu());
    states.slice(0, b, e).copy_(r.states.cpu());
    energy += r.energy.sum().item<double>();
  });
  save_npy_tensor(out, q);
  if (states_out) save_npy_tensor(*states_out, states);
  if (bits_out) save_words(*bits_out, trellis::pack_bitstream(states, spec));
  std::printf("viterbi: %lld tiles, %s, %s, %s: MSE %.6g\n", (long long)tiles, spec.describe().c_str(),
              cb.describe().c_str(), method.c_str(), w.numel() ? energy / double(w.numel()) : 0.0);
  return 0;
}

BCJR_REGISTER_COMMAND(Command{
    "viterbi", "hard trellis quantisation (Viterbi) of weight tiles",
    "usage: bcjr viterbi --L L --k K --V V (--code C [--seed S] | --lut cb.npy)\n"
    "                    --boundary free|tailbiting --in w.npy --out q.npy\n"
    "                    [--states s.npy] [--bits b.npy] [--device cpu|cuda]\n\n"
    "Reads float32 [tiles, n] weights (n = tile length, a multiple of V), used as given, and writes\n"
    "the reconstruction (same shape), optionally the states int32 [tiles, n/V] and, tail-biting\n"
    "only, the packed bitstream uint16 [tiles, ceil(n*k/16)]. Tail-biting is exact where\n"
    "2^(L-kV) <= 256 and QTIP's two-pass method beyond; the method is printed.\n",
    run_viterbi});

}  // namespace
}  // namespace bcjr::cli
