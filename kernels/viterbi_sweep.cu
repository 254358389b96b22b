// Viterbi launcher and the traceback kernel.
#include "kernels/viterbi_sweep.cuh"

#include <stdexcept>

#include "kernels/cuda_check.cuh"
#include "kernels/trellis_device.cuh"
#include "kernels/trellis_dispatch.cuh"

namespace bcjr::kernels {

namespace {

struct ViterbiCall {
  const ViterbiLaunch& a;
  template <int L, int KV, int V, CodeKind K>
  void operator()() const {
    launch_viterbi_tpl<L, KV, V, K>(a);
  }
};

__device__ void code_at_runtime(uint32_t s, const ViterbiLaunch& a, float* c) {
  if (a.code.kind == CodeKind::Hyb) {
    float cc[2];
    code_at<2, CodeKind::Hyb>(s, reinterpret_cast<const float2*>(a.code.lut), nullptr, cc);
    c[0] = cc[0];
    c[1] = cc[1];
  } else {
    for (int v = 0; v < a.d.V; ++v) c[v] = a.code.table[size_t(s) * a.d.V + v];
  }
}

// One thread per tile: follow the back-pointers from the end group, then the energy in double.
__global__ void viterbi_traceback_kernel(ViterbiLaunch a) {
  const int tile = blockIdx.x * blockDim.x + threadIdx.x;
  if (tile >= a.tiles) return;
  const int kv = a.d.kv, N = a.d.N, V = a.d.V;
  const uint32_t G = 1u << (a.d.L - kv);
  const uint8_t* choice = a.choice + size_t(tile) * N * G;
  int32_t* states = a.states + size_t(tile) * N;
  const float* w = a.w + size_t(tile) * a.d.n;
  uint32_t y = uint32_t(a.best_group[tile]);
  uint32_t s = uint32_t(choice[size_t(N - 1) * G + y]) * G + y;
  double energy = 0.0;
  for (int t = N - 1;; --t) {
    states[t] = int32_t(s);
    float c[2];
    code_at_runtime(s, a, c);
    for (int v = 0; v < V; ++v) {
      const double d = double(c[v]) - double(w[t * V + v]);
      energy += d * d;
    }
    if (t == 0) break;
    const uint32_t x = s >> kv;
    s = uint32_t(choice[size_t(t - 1) * G + x]) * G + x;
  }
  a.energy[tile] = energy;
}

}  // namespace

void launch_viterbi_traceback(const ViterbiLaunch& a) {
  if (a.tiles <= 0) return;
  const int threads = 128;
  BCJR_LAUNCH(viterbi_traceback_kernel, (a.tiles + threads - 1) / threads, threads, 0, a.stream, a);
  BCJR_CUDA_CHECK_LAUNCH("viterbi traceback");
}

void launch_viterbi(const ViterbiLaunch& a) {
  if (a.d.kv < 1 || a.d.kv > a.d.L || a.d.kv > 8 || a.d.L > 16 || a.d.N < 1 || a.d.n != a.d.N * a.d.V)
    throw std::runtime_error("viterbi kernels: bad trellis shape");
  if (!a.w || !a.cost || !a.choice || !a.best_group || !a.states || !a.energy)
    throw std::runtime_error("viterbi kernels: missing buffer");
  dispatch_trellis(a.d, a.code.kind, ViterbiCall{a});
  launch_viterbi_traceback(a);
}

}  // namespace bcjr::kernels
