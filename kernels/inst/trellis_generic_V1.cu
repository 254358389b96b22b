// Kernel instantiations for the generic path (L and kV at run time), V = 1 (one file per shape keeps builds parallel).
#include "kernels/bcjr_sweep_kernels.cuh"
#include "kernels/viterbi_sweep_kernels.cuh"

namespace bcjr::kernels {
template void launch_bcjr_tpl<0, 0, 1, CodeKind::Table>(const BcjrLaunch&);
template void launch_viterbi_tpl<0, 0, 1, CodeKind::Table>(const ViterbiLaunch&);
}  // namespace bcjr::kernels
