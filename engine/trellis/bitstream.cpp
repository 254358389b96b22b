#include "engine/trellis/bitstream.h"

#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/trellis/viterbi.h"

namespace bcjr::trellis {

int64_t bitstream_words(const TrellisSpec& spec) { return (int64_t(spec.n) * spec.k + 15) / 16; }

at::Tensor pack_bitstream(const at::Tensor& states_in, const TrellisSpec& spec) {
  spec.validate(Boundary::TailBiting);
  const int N = spec.steps(), kv = spec.kv(), L = spec.L;
  BCJR_CHECK(states_in.dim() == 2 && states_in.size(1) == N, "bitstream states: expected [tiles, ", N, "]");
  const auto states = states_in.to(torch::kCPU).to(torch::kInt32).contiguous();
  const int64_t tiles = states.size(0), words = bitstream_words(spec), nbits = int64_t(spec.n) * spec.k;
  auto bits = torch::zeros({tiles, words}, torch::kInt32);
  const int32_t* sp = states.data_ptr<int32_t>();
  int32_t* bp = bits.data_ptr<int32_t>();
  for (int64_t i = 0; i < tiles; ++i) {
    const int32_t* s = sp + i * N;
    int32_t* w = bp + i * words;
    for (int t = 0; t < N; ++t) {
      BCJR_CHECK(s[t] >= 0 && s[t] < spec.states(), "bitstream states: tile ", i, " step ", t, " has state ", s[t],
                 " outside [0, 2^L)");
      const int prev = t == 0 ? N - 1 : t - 1;
      BCJR_CHECK((s[t] >> kv) == (s[prev] & int32_t(spec.overlaps() - 1)), "bitstream states: tile ", i,
                 " is not a tail-biting path (step ", prev, " -> ", t, " is not a transition)");
      // Symbol u_t: bits [t*kV + L - kV, t*kV + L) of the circular stream, most significant first.
      for (int b = 0; b < kv; ++b) {
        const int64_t pos = (int64_t(t) * kv + L - kv + b) % nbits;
        if ((s[t] >> (kv - 1 - b)) & 1) w[pos / 16] |= 1 << (15 - pos % 16);
      }
    }
  }
  // A legal path with n*k >= L is exactly the windows of its stream; check that it round-trips.
  auto back = unpack_bitstream(bits, spec);
  BCJR_CHECK(torch::equal(back, states), "bitstream: states do not round-trip (inconsistent tail-biting path)");
  return bits;
}

at::Tensor unpack_bitstream(const at::Tensor& bits_in, const TrellisSpec& spec) {
  spec.validate(Boundary::TailBiting);
  const int64_t words = bitstream_words(spec), nbits = int64_t(spec.n) * spec.k;
  BCJR_CHECK(bits_in.dim() == 2 && bits_in.size(1) == words, "bitstream: expected [tiles, ", words,
             "] 16-bit words for ", spec.describe());
  BCJR_CHECK(bits_in.scalar_type() == torch::kInt32 || bits_in.scalar_type() == torch::kInt16 ||
                 bits_in.scalar_type() == torch::kInt64,
             "bitstream: dtype ", c10::toString(bits_in.scalar_type()), ", expected int16 or int32 words");
  auto bits = bits_in.to(torch::kCPU).to(torch::kInt64);
  if (bits_in.scalar_type() == torch::kInt16) bits = torch::bitwise_and(bits, 0xFFFF);
  bits = bits.contiguous();
  const int64_t tiles = bits.size(0);
  const int N = spec.steps(), kv = spec.kv(), L = spec.L;
  auto states = torch::empty({tiles, N}, torch::kInt32);
  const int64_t* bp = bits.data_ptr<int64_t>();
  int32_t* sp = states.data_ptr<int32_t>();
  const int pad = int(words * 16 - nbits);
  for (int64_t i = 0; i < tiles; ++i) {
    const int64_t* w = bp + i * words;
    for (int64_t j = 0; j < words; ++j)
      BCJR_CHECK(w[j] >= 0 && w[j] <= 0xFFFF, "bitstream: tile ", i, " word ", j, " = ", w[j], " is not 16 bits");
    BCJR_CHECK(pad == 0 || (w[words - 1] & ((1 << pad) - 1)) == 0, "bitstream: tile ", i,
               " has non-zero padding bits");
    auto bit = [&](int64_t pos) { return int((w[pos / 16] >> (15 - pos % 16)) & 1); };
    for (int t = 0; t < N; ++t) {
      int32_t s = 0;
      for (int b = 0; b < L; ++b) s = (s << 1) | bit((int64_t(t) * kv + b) % nbits);
      sp[i * N + t] = s;
    }
  }
  return states;
}

at::Tensor decode_bitstream(const at::Tensor& bits, const TrellisSpec& spec, const Codebook& cb) {
  return codeword_from_states(unpack_bitstream(bits, spec), spec, cb);
}

}  // namespace bcjr::trellis
