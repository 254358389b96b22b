// The trellis quantises a [m, n] matrix as 16x16 tiles of 256 weights: row-major inside a tile,
// tile index (i/16) * (n/16) + j/16. These two functions are the only place that layout lives.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace bcjr::quant {

constexpr int64_t kTileSide = 16;
constexpr int64_t kTileSize = kTileSide * kTileSide;

// [m, n] -> [m*n/256, 256]; throws a bcjr::Error if m or n is not a multiple of 16.
torch::Tensor to_tiles(const torch::Tensor& w);
// [m*n/256, 256] -> [m, n].
torch::Tensor from_tiles(const torch::Tensor& tiles, int64_t m, int64_t n);
// Tile index of weight (i, j) of an [m, n] matrix.
inline int64_t tile_index(int64_t i, int64_t j, int64_t n) {
  return (i / kTileSide) * (n / kTileSide) + j / kTileSide;
}

}  // namespace bcjr::quant
