// The hyb LUT: 512 k-means centroids of 2-D standard normal samples. Everything here is
// deterministic from the seed alone: samples from DeterministicRandom, k-means++ seeding with the
// same generator, Lloyd iterations whose assignment ties go to the lower centroid index and whose
// sums run in sample order in double. Nothing depends on the thread count.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <map>
#include <vector>

#include "engine/core/parallel.h"
#include "engine/trellis/codebook.h"
#include "engine/trellis/deterministic_random.h"

#ifdef __clang__
#pragma clang fp contract(off)
#endif

namespace bcjr::trellis {
namespace {

constexpr int kSamples = 1 << 17;  // 256 per centroid
constexpr int kIterations = 60;

struct Point {
  double x, y;
};

double dist2(const Point& a, const Point& b) {
  const double dx = a.x - b.x;
  const double dy = a.y - b.y;
  const double xx = dx * dx;
  const double yy = dy * dy;
  return xx + yy;
}

// Nearest centroid by a scan outward from the sample's x position in centroids sorted by x:
// stops once the x gap alone exceeds the best distance. Ties go to the lowest centroid index.
class NearestCentroid {
 public:
  explicit NearestCentroid(const std::vector<Point>& c) : c_(c), order_(c.size()) {
    std::iota(order_.begin(), order_.end(), 0);
    std::sort(order_.begin(), order_.end(), [&](int a, int b) { return c[a].x < c[b].x || (c[a].x == c[b].x && a < b); });
    xs_.resize(order_.size());
    for (size_t i = 0; i < order_.size(); ++i) xs_[i] = c[order_[i]].x;
  }
  int operator()(const Point& p) const {
    const int K = int(order_.size());
    int start = int(std::lower_bound(xs_.begin(), xs_.end(), p.x) - xs_.begin());
    double best = 1e300;
    int best_i = -1;
    auto visit = [&](int j) {
      const int i = order_[j];
      const double d = dist2(p, c_[i]);
      if (d < best || (d == best && i < best_i)) {
        best = d;
        best_i = i;
      }
    };
    int lo = start - 1, hi = start;
    bool go_lo = true, go_hi = true;
    while (go_lo || go_hi) {
      if (go_hi) {
        if (hi >= K) go_hi = false;
        else {
          const double gap = xs_[hi] - p.x;
          if (gap * gap > best) go_hi = false;
          else visit(hi++);
        }
      }
      if (go_lo) {
        if (lo < 0) go_lo = false;
        else {
          const double gap = p.x - xs_[lo];
          if (gap * gap > best) go_lo = false;
          else visit(lo--);
        }
      }
    }
    return best_i;
  }

 private:
  const std::vector<Point>& c_;
  std::vector<int> order_;
  std::vector<double> xs_;
};

std::vector<float> run_kmeans(uint64_t seed) {
  DeterministicRandom rng(seed ^ 0x6879625f6c757400ull);  // "hyb_lut"
  std::vector<Point> samples(kSamples);
  for (auto& p : samples) rng.normal_pair(p.x, p.y);

  // k-means++ seeding.
  std::vector<Point> centroids;
  centroids.reserve(kHybLutSize);
  centroids.push_back(samples[size_t(rng.next_u64() % kSamples)]);
  std::vector<double> d2(kSamples);
  for (int i = 0; i < kSamples; ++i) d2[i] = dist2(samples[i], centroids[0]);
  while (int(centroids.size()) < kHybLutSize) {
    double total = 0;
    for (double v : d2) total += v;
    double target = rng.uniform() * total;
    int pick = kSamples - 1;
    double acc = 0;
    for (int i = 0; i < kSamples; ++i) {
      acc += d2[i];
      if (acc > target) {
        pick = i;
        break;
      }
    }
    centroids.push_back(samples[pick]);
    for (int i = 0; i < kSamples; ++i) d2[i] = std::min(d2[i], dist2(samples[i], centroids.back()));
  }

  // Lloyd iterations; assignment in parallel (each sample independent), sums in sample order.
  std::vector<int> assign(kSamples, -1);
  for (int it = 0; it < kIterations; ++it) {
    NearestCentroid nearest(centroids);
    std::vector<char> changed_chunk((kSamples + 4095) / 4096, 0);
    parallel_for(kSamples, 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int a = nearest(samples[i]);
        if (a != assign[i]) changed_chunk[i / 4096] = 1;
        assign[i] = a;
      }
    });
    std::vector<double> sx(kHybLutSize, 0), sy(kHybLutSize, 0);
    std::vector<int64_t> cnt(kHybLutSize, 0);
    for (int i = 0; i < kSamples; ++i) {
      sx[assign[i]] += samples[i].x;
      sy[assign[i]] += samples[i].y;
      ++cnt[assign[i]];
    }
    for (int c = 0; c < kHybLutSize; ++c)
      if (cnt[c] > 0) centroids[c] = Point{sx[c] / double(cnt[c]), sy[c] / double(cnt[c])};
    if (std::none_of(changed_chunk.begin(), changed_chunk.end(), [](char v) { return v != 0; })) break;
  }
  std::vector<float> lut(kHybLutSize * 2);
  for (int c = 0; c < kHybLutSize; ++c) {
    lut[2 * c] = float(centroids[c].x);
    lut[2 * c + 1] = float(centroids[c].y);
  }
  return lut;
}

}  // namespace

std::vector<float> hyb_kmeans_lut(uint64_t seed) {
  static std::mutex mutex;
  static std::map<uint64_t, std::vector<float>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(seed);
  if (it == cache.end()) it = cache.emplace(seed, run_kmeans(seed)).first;
  return it->second;
}

}  // namespace bcjr::trellis
