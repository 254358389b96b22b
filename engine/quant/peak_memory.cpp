#include "engine/quant/peak_memory.h"

#include <torch/torch.h>

#include <fstream>
#include <string>

#ifdef BCJR_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace bcjr::quant {
#ifdef BCJR_WITH_CUDA
namespace {
bool cuda_device() { return torch::cuda::is_available(); }
}  // namespace
#endif

void reset_peak_memory() {
  // "5" resets the peak resident set size (Linux 4.0 and later); elsewhere the write fails and
  // the peak stays the process's.
  std::ofstream("/proc/self/clear_refs") << "5";
#ifdef BCJR_WITH_CUDA
  if (cuda_device()) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

PeakMemory peak_memory() {
  PeakMemory p;
  std::ifstream status("/proc/self/status");
  std::string key;
  double kb = 0;
  while (status >> key) {
    if (key == "VmHWM:" && status >> kb) {
      p.host_mb = kb / 1024.0;
      break;
    }
    status.ignore(1 << 12, '\n');
  }
#ifdef BCJR_WITH_CUDA
  if (cuda_device()) p.device_mb = double(c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].peak) / 1048576.0;
#endif
  return p;
}

}  // namespace bcjr::quant
