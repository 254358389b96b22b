// Kernel instantiations for L = 16, kV = 4, V = 2 (one file per shape keeps builds parallel).
#include "kernels/bcjr_sweep_kernels.cuh"
#include "kernels/viterbi_sweep_kernels.cuh"

namespace bcjr::kernels {
template void launch_bcjr_tpl<16, 4, 2, CodeKind::Table>(const BcjrLaunch&);
template void launch_viterbi_tpl<16, 4, 2, CodeKind::Table>(const ViterbiLaunch&);
template void launch_bcjr_tpl<16, 4, 2, CodeKind::Hyb>(const BcjrLaunch&);
template void launch_viterbi_tpl<16, 4, 2, CodeKind::Hyb>(const ViterbiLaunch&);
}  // namespace bcjr::kernels
