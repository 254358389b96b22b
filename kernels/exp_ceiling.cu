// Register-only exp2 throughput: 8 independent chains per thread so the unit, not latency, limits.
#include "kernels/exp_ceiling.cuh"

#include "kernels/cuda_check.cuh"
#include "kernels/trellis_device.cuh"

namespace bcjr::kernels {

namespace {
constexpr int kChains = 8, kIters = 4096, kThreads = 256;

__global__ void exp2_chain_kernel(float* sink, float seed) {
  float x[kChains];
#pragma unroll
  for (int c = 0; c < kChains; ++c) x[c] = seed * float(threadIdx.x + c);
  for (int i = 0; i < kIters; ++i) {
#pragma unroll
    for (int c = 0; c < kChains; ++c) x[c] = fast_exp2(-x[c]);  // stays in (0, 1]
  }
  float s = 0.f;
#pragma unroll
  for (int c = 0; c < kChains; ++c) s += x[c];
  if (s == 12345.f) *sink = s;  // never true; keeps the chains alive
}
}  // namespace

double measure_exp2_per_second(cudaStream_t stream) {
  int dev = 0, sms = 0;
  BCJR_CUDA_CHECK(cudaGetDevice(&dev));
  BCJR_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  float* sink = nullptr;
  BCJR_CUDA_CHECK(cudaMalloc(&sink, sizeof(float)));
  const int blocks = sms * 32;
  cudaEvent_t e0, e1;
  BCJR_CUDA_CHECK(cudaEventCreate(&e0));
  BCJR_CUDA_CHECK(cudaEventCreate(&e1));
  exp2_chain_kernel<<<blocks, kThreads, 0, stream>>>(sink, 1e-3f);  // warm-up
  BCJR_CUDA_CHECK_LAUNCH("exp2 ceiling");
  BCJR_CUDA_CHECK(cudaEventRecord(e0, stream));
  const int reps = 5;
  for (int r = 0; r < reps; ++r) exp2_chain_kernel<<<blocks, kThreads, 0, stream>>>(sink, 1e-3f * (r + 2));
  BCJR_CUDA_CHECK_LAUNCH("exp2 ceiling");
  BCJR_CUDA_CHECK(cudaEventRecord(e1, stream));
  BCJR_CUDA_CHECK(cudaEventSynchronize(e1));
  float ms = 0.f;
  BCJR_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaFree(sink);
  return double(reps) * blocks * kThreads * kChains * kIters / (ms * 1e-3);
}

}  // namespace bcjr::kernels
