// Tail-biting bitstreams: a tile's path stored in exactly n*k bits. The tile is a circular string
// of N*kV bits, most significant bit first, and state t is the L-bit window starting at bit t*kV
// (wrapping around), so symbol u_t occupies bits [t*kV + L - kV, t*kV + L) mod n*k.
// Layout per tile: ceil(n*k / 16) 16-bit words, bit i of the stream is bit 15 - (i % 16) of
// word i / 16; unused low bits of the last word are zero.
#pragma once

#include <ATen/Tensor.h>

#include "engine/trellis/codebook.h"
#include "engine/trellis/trellis_spec.h"

namespace bcjr::trellis {

int64_t bitstream_words(const TrellisSpec& spec);  // ceil(n*k / 16)

// states: int32 [tiles, N], every tile a legal tail-biting path (throws naming the first tile and
// step that is not). Returns int32 [tiles, words] holding the uint16 words (0..65535).
at::Tensor pack_bitstream(const at::Tensor& states, const TrellisSpec& spec);
// bits: int32 or int16 [tiles, words] (int16 read as the same 16 bits). Returns int32 [tiles, N].
at::Tensor unpack_bitstream(const at::Tensor& bits, const TrellisSpec& spec);
// Bits straight to weights: float32 [tiles, n].
at::Tensor decode_bitstream(const at::Tensor& bits, const TrellisSpec& spec, const Codebook& cb);

}  // namespace bcjr::trellis
