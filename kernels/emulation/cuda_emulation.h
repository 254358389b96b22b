// A CPU emulation of the small part of CUDA the trellis kernels use, so that the CPU test suite
// (no GPU in CI) runs the kernels' own code: every CUDA thread of a block is a fiber (ucontext),
// __syncthreads is a barrier across them, warp shuffles exchange through a slot array between two
// barriers, __shared__ variables are function statics (blocks run one at a time), and "device
// memory" is host memory. It checks logic (indexing, reductions, barriers, message
// normalisation), not timing, the memory model of a real GPU or ex2.approx's rounding.
#pragma once

#include <ucontext.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

struct float2 {
  float x, y;
};
struct alignas(16) float4 {
  float x, y, z, w;
};
using cudaStream_t = void*;
enum cudaError_t { cudaSuccess = 0 };
inline const char* cudaGetErrorName(cudaError_t) { return "cudaSuccess"; }
inline const char* cudaGetErrorString(cudaError_t) { return "no error"; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

namespace bcjr_emu {

struct Index3 {
  unsigned x = 0, y = 0, z = 0;
};

[[noreturn]] inline void fatal(const char* msg) {
  std::fprintf(stderr, "bcjr kernel emulation: %s\n", msg);
  std::abort();
}

// One block at a time; its CUDA threads are fibers run in lock-step rounds: each round resumes
// every fiber once, and each fiber runs to its next barrier (__syncthreads or either half of a
// shuffle). Every thread of a block must meet the same barriers in the same order, as the kernels
// are written to; a round that ends with fibers at different barrier counts aborts.
struct Fiber {
  ucontext_t ctx;
  bool done = false;
  unsigned long barriers = 0;
};

struct Block {
  std::vector<Fiber> fibers;
  std::vector<uint64_t> lanes;
  std::vector<unsigned char> dyn;
};

inline Index3 g_thread_idx, g_block_idx, g_block_dim;
inline Block* g_block = nullptr;
inline unsigned g_current = 0;
inline ucontext_t g_scheduler;
inline std::function<void()> g_body;
inline std::vector<std::vector<char>> g_stacks;
// 0: fibers resume in thread order. Otherwise each round resumes them in a fresh pseudo-random
// order drawn from this seed, so that a test can show a result does not depend on which thread
// reaches a shared write first (a race the fixed order would hide).
inline uint64_t g_schedule_seed = 0;
constexpr size_t kStackBytes = 64 * 1024;

inline void barrier() {
  Fiber& f = g_block->fibers[g_current];
  ++f.barriers;
  swapcontext(&f.ctx, &g_scheduler);
}

inline void fiber_main() {
  g_body();
  g_block->fibers[g_current].done = true;  // returns to uc_link: the scheduler
}

template <class Kernel, class... Args>
void launch(Kernel kernel, unsigned grid, unsigned block, size_t dyn_bytes, Args... args) {
  g_block_dim = Index3{block, 1, 1};
  g_body = [=] { kernel(args...); };
  if (g_stacks.size() < block) g_stacks.resize(block, std::vector<char>(kStackBytes));
  for (unsigned b = 0; b < grid; ++b) {
    Block ctx;
    ctx.fibers.resize(block);
    ctx.lanes.assign(block, 0);
    ctx.dyn.assign(dyn_bytes + 16, 0);
    g_block = &ctx;
    for (unsigned t = 0; t < block; ++t) {
      Fiber& f = ctx.fibers[t];
      getcontext(&f.ctx);
      f.ctx.uc_stack.ss_sp = g_stacks[t].data();
      f.ctx.uc_stack.ss_size = kStackBytes;
      f.ctx.uc_link = &g_scheduler;
      makecontext(&f.ctx, fiber_main, 0);
    }
    std::vector<unsigned> order(block);
    for (unsigned t = 0; t < block; ++t) order[t] = t;
    uint64_t rng = g_schedule_seed * 0x9E3779B97F4A7C15ull + b;
    for (bool running = true; running;) {
      running = false;
      long barriers = -1;
      if (g_schedule_seed != 0) {
        for (unsigned i = block; i > 1; --i) {  // Fisher-Yates with a 64-bit LCG
          rng = rng * 6364136223846793005ull + 1442695040888963407ull;
          std::swap(order[i - 1], order[unsigned(rng >> 33) % i]);
        }
      }
      for (unsigned t : order) {
        if (ctx.fibers[t].done) continue;
        g_current = t;
        g_thread_idx = Index3{t, 0, 0};
        g_block_idx = Index3{b, 0, 0};
        swapcontext(&g_scheduler, &ctx.fibers[t].ctx);
        if (ctx.fibers[t].done) continue;
        running = true;
        if (barriers >= 0 && long(ctx.fibers[t].barriers) != barriers) fatal("threads of a block met different barriers");
        barriers = long(ctx.fibers[t].barriers);
      }
    }
    g_block = nullptr;
  }
}

template <class T>
T* dynamic_shared() {
  return reinterpret_cast<T*>(g_block->dyn.data());
}

}  // namespace bcjr_emu

#define threadIdx (::bcjr_emu::g_thread_idx)
#define blockIdx (::bcjr_emu::g_block_idx)
#define blockDim (::bcjr_emu::g_block_dim)

inline void __syncthreads() { bcjr_emu::barrier(); }

template <class T>
T __shfl_xor_sync(unsigned, T v, int lane_mask) {
  static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
  bcjr_emu::Block& b = *bcjr_emu::g_block;
  const unsigned tid = threadIdx.x;
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  b.lanes[tid] = bits;
  bcjr_emu::barrier();
  const uint64_t other = b.lanes[(tid & ~31u) | ((tid & 31u) ^ unsigned(lane_mask))];
  bcjr_emu::barrier();  // nobody overwrites a slot before every lane has read
  T r;
  std::memcpy(&r, &other, sizeof(T));
  return r;
}

template <class T>
T __ldg(const T* p) {
  return *p;
}
inline float __int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}
inline int __float_as_int(float f) {
  int i;
  std::memcpy(&i, &f, 4);
  return i;
}
inline float atomicAdd(float* p, float v) {  // fibers never interleave inside it
  const float old = *p;
  *p = old + v;
  return old;
}
