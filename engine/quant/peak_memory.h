// Peak memory of this process between two points, for tables that compare runs made one after
// the other in one process: host resident memory (Linux: VmHWM, reset through
// /proc/self/clear_refs) and, in a CUDA build with a device, LibTorch's CUDA allocator peak.
// Here rather than in engine/core because the CUDA part needs the kernels' build definition.
#pragma once

namespace bcjr::quant {

struct PeakMemory {
  double host_mb = -1;    // -1: not measurable here
  double device_mb = -1;  // -1: no CUDA device
};

// Starts a new measurement (both peaks set to the current use).
void reset_peak_memory();
PeakMemory peak_memory();

}  // namespace bcjr::quant
