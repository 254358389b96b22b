#include "engine/quant/tiles.h"

#include <torch/torch.h>

#include "engine/core/error.h"

namespace bcjr::quant {

torch::Tensor to_tiles(const torch::Tensor& w) {
  BCJR_CHECK(w.dim() == 2 && w.size(0) % kTileSide == 0 && w.size(1) % kTileSide == 0,
             "tiling: weight of shape ", w.sizes(), " is not a matrix with sides a multiple of ", kTileSide);
  const int64_t m = w.size(0), n = w.size(1);
  return w.reshape({m / kTileSide, kTileSide, n / kTileSide, kTileSide}).permute({0, 2, 1, 3}).reshape({-1, kTileSize});
}

torch::Tensor from_tiles(const torch::Tensor& tiles, int64_t m, int64_t n) {
  BCJR_CHECK(m % kTileSide == 0 && n % kTileSide == 0 && tiles.dim() == 2 && tiles.size(1) == kTileSize &&
                 tiles.size(0) == (m / kTileSide) * (n / kTileSide),
             "untiling: tiles of shape ", tiles.sizes(), " do not make a [", m, ", ", n, "] matrix");
  return tiles.reshape({m / kTileSide, n / kTileSide, kTileSide, kTileSide}).permute({0, 2, 1, 3}).reshape({m, n});
}

}  // namespace bcjr::quant
