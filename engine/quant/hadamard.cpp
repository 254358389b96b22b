#include "engine/quant/hadamard.h"

#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "engine/core/error.h"

namespace bcjr::quant {
namespace {

bool is_prime(int64_t q) {
  if (q < 2) return false;
  for (int64_t d = 2; d * d <= q; ++d)
    if (q % d == 0) return false;
  return true;
}

// Legendre symbol chi(x) over GF(q), q an odd prime: 0, +1 (non-zero square) or -1.
std::vector<int> quadratic_character(int64_t q) {
  std::vector<int> chi(q, -1);
  chi[0] = 0;
  for (int64_t x = 1; x < q; ++x) chi[(x * x) % q] = 1;
  return chi;
}

// Jacobsthal matrix Q[i][j] = chi(j - i) bordered: row/column 0 is the point at infinity.
std::vector<std::vector<int>> bordered_jacobsthal(int64_t q, int border_col_sign) {
  auto chi = quadratic_character(q);
  std::vector<std::vector<int>> c(q + 1, std::vector<int>(q + 1, 0));
  for (int64_t j = 1; j <= q; ++j) {
    c[0][j] = 1;
    c[j][0] = border_col_sign;
  }
  for (int64_t i = 0; i < q; ++i)
    for (int64_t j = 0; j < q; ++j) c[i + 1][j + 1] = chi[((j - i) % q + q) % q];
  return c;
}

bool paley1(int64_t p) { return p >= 4 && (p - 1) % 4 == 3 && is_prime(p - 1); }
bool paley2(int64_t p) { return p >= 12 && p % 2 == 0 && (p / 2 - 1) % 4 == 1 && is_prime(p / 2 - 1); }

}  // namespace

bool paley_order_supported(int64_t p) { return p == 1 || p == 2 || paley1(p) || paley2(p); }

torch::Tensor paley_hadamard(int64_t p) {
  BCJR_CHECK(paley_order_supported(p), "Hadamard core of order ", p,
             ": not reached by Paley I (q+1, q prime = 3 mod 4) or Paley II (2(q+1), q prime = 1 mod 4)");
  auto h = torch::empty({p, p}, torch::kFloat32);
  auto a = h.accessor<float, 2>();
  if (p == 1) {
    a[0][0] = 1;
  } else if (p == 2) {
    a[0][0] = a[0][1] = a[1][0] = 1;
    a[1][1] = -1;
  } else if (paley1(p)) {
    // H = I + S with S = [[0, 1^T], [-1, Q]] skew-symmetric (q = 3 mod 4).
    auto s = bordered_jacobsthal(p - 1, -1);
    for (int64_t i = 0; i < p; ++i)
      for (int64_t j = 0; j < p; ++j) a[i][j] = float(s[i][j] + (i == j ? 1 : 0));
  } else {
    // Symmetric conference matrix C (q = 1 mod 4); each entry becomes a 2x2 block:
    // 0 -> [[1, -1], [-1, -1]], +-1 -> +-[[1, 1], [1, -1]].
    const int64_t q = p / 2 - 1;
    auto c = bordered_jacobsthal(q, 1);
    for (int64_t i = 0; i <= q; ++i)
      for (int64_t j = 0; j <= q; ++j) {
        const int e = c[i][j];
        const float blk[2][2] = {{e == 0 ? 1.f : float(e), e == 0 ? -1.f : float(e)},
                                 {e == 0 ? -1.f : float(e), e == 0 ? -1.f : -float(e)}};
        for (int r = 0; r < 2; ++r)
          for (int s = 0; s < 2; ++s) a[2 * i + r][2 * j + s] = blk[r][s];
      }
  }
  return h;
}

torch::Tensor sylvester_hadamard(int64_t n) {
  BCJR_CHECK(n >= 1 && (n & (n - 1)) == 0, "Sylvester Hadamard order ", n, " is not a power of two");
  auto h = torch::empty({n, n}, torch::kFloat32);
  auto a = h.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) a[i][j] = (__builtin_popcountll(uint64_t(i & j)) & 1) ? -1.f : 1.f;
  return h;
}

static bool factorise(int64_t n, int64_t* p_out, int64_t* pow2_out) {
  if (n < 1) return false;
  int64_t odd = n;
  while (odd % 2 == 0) odd /= 2;
  // The smallest core p = odd * 2^b that a Paley construction reaches.
  for (int64_t p = odd; p <= n && n % p == 0; p *= 2) {
    if (paley_order_supported(p)) {
      *p_out = p;
      *pow2_out = n / p;
      return true;
    }
  }
  return false;
}

bool hadamard_order_supported(int64_t n) {
  int64_t p, q;
  return factorise(n, &p, &q);
}

HadamardTransform::HadamardTransform(int64_t n) : n_(n) {
  BCJR_CHECK(factorise(n, &p_, &pow2_), "no Hadamard matrix of order ", n,
             ": it must be 2^a * p with p = 1 or a Paley order (12, 20, 24, 28, 36, 44, ...)");
  core_ = paley_hadamard(p_);
}

torch::Tensor HadamardTransform::apply(const torch::Tensor& x, bool transpose) const {
  BCJR_CHECK(x.dim() >= 1 && x.size(-1) == n_, "Hadamard transform of order ", n_,
             ": tensor's last dimension is ", x.dim() ? x.size(-1) : 0);
  auto shape = x.sizes().vec();
  // [B, p, 2^a]: Sylvester butterflies on the last axis (S is symmetric, so H^T uses it as is).
  auto y = x.reshape({-1, p_, pow2_});
  const int64_t b = y.size(0);
  for (int64_t h = 1; h < pow2_; h *= 2) {
    auto v = y.reshape({b, p_, pow2_ / (2 * h), 2, h});
    auto lo = v.select(3, 0), hi = v.select(3, 1);
    y = torch::stack({lo + hi, lo - hi}, 3).reshape({b, p_, pow2_});
  }
  if (p_ > 1) {
    auto core = (transpose ? core_.t() : core_).to(y.scalar_type()).to(y.device());
    y = torch::matmul(core, y);
  }
  return (y * (1.0 / std::sqrt(double(n_)))).reshape(shape);
}

torch::Tensor HadamardTransform::dense() const {
  return torch::kron(core_.to(torch::kFloat64), sylvester_hadamard(pow2_).to(torch::kFloat64)) /
         std::sqrt(double(n_));
}

}  // namespace bcjr::quant
