// BCJR launcher: checks the shape it is given and hands it to the matching instantiation.
#include "kernels/bcjr_sweep.cuh"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "kernels/trellis_dispatch.cuh"

namespace bcjr::kernels {

namespace {
struct BcjrCall {
  const BcjrLaunch& a;
  template <int L, int KV, int V, CodeKind K>
  void operator()() const {
    launch_bcjr_tpl<L, KV, V, K>(a);
  }
};
}  // namespace

int bcjr_variant_from_env() {
  const char* env = std::getenv("BCJR_CUDA_BCJR_VARIANT");
  if (!env || !*env) return kDefaultBcjrVariant;
  char* end = nullptr;
  const long v = std::strtol(env, &end, 10);
  if (*end != '\0' || v < 0 || v >= kBcjrVariants)
    throw std::runtime_error(std::string("BCJR_CUDA_BCJR_VARIANT=") + env + ": expected 0.." +
                             std::to_string(kBcjrVariants - 1));
  return int(v);
}

void launch_bcjr(const BcjrLaunch& a) {
  if (a.d.kv < 1 || a.d.kv > a.d.L || a.d.L > 16 || a.d.N < 1 || a.d.n != a.d.N * a.d.V)
    throw std::runtime_error("bcjr kernels: bad trellis shape");
  if (!a.w || !a.msg_f || !a.msg_b || !a.codeword || !a.log2z || (a.g && (!a.tan_f || !a.tan_b)))
    throw std::runtime_error("bcjr kernels: missing buffer");
  if (!(a.T > 0.f)) throw std::runtime_error("bcjr kernels: T must be > 0");
  if (a.variant < 0 || a.variant >= kBcjrVariants) throw std::runtime_error("bcjr kernels: unknown variant");
  dispatch_trellis(a.d, a.code.kind, BcjrCall{a});
}

}  // namespace bcjr::kernels
